from django.db import migrations, models

from qyzmet.core.secretbox import secret_seal


def seal_secrets(apps, schema_editor):
    Account = apps.get_model("identity", "Account")
    for account in Account.objects.exclude(totp_secret="").only("pk", "public_id", "totp_secret"):
        account.totp_sealed = secret_seal(
            account.totp_secret.encode(), context=f"totp:{account.public_id}"
        )
        account.save(update_fields=["totp_sealed"])


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="totp_sealed",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(seal_secrets, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="account", name="totp_secret"),
    ]
