"""The exchange log is tamper-evident; one exchange exports as a bundle that verifies offline."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import CommandError, call_command
from django.utils import timezone

from qyzmet.exchange import bundles
from qyzmet.exchange.bundles import BundleNotReady, bundle_export, bundle_verify
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.evidence import exchange_seal_pending, exchange_verify
from qyzmet.exchange.models import ExchangeRecord, ExchangeSeal, Purpose, Service
from qyzmet.exchange.services import consent_give
from qyzmet.trust.authority import TrustSetup, x509_of
from qyzmet.trust.jws import canonical_json, jws_sign
from tests import factories
from tests.conftest import Persona
from tests.exchange.world import BENEFITS, INCOME_STATEMENT, PERSON, ExchangeWorld


@pytest.fixture
def logged(world: ExchangeWorld, citizen_a: Persona, citizen_b: Persona) -> list[ExchangeRecord]:
    """Five exchanges: granted, refused, and one logged with full bodies (with consent)."""
    assert citizen_a.person is not None
    assert citizen_b.person is not None
    factories.employ(citizen_a.person, factories.organisation())
    consent_give(
        person=citizen_a.person,
        party=world.bank.subsystem,
        purpose=Purpose.objects.get(code="loan-assessment"),
        services=[Service.objects.get(identifier=INCOME_STATEMENT)],
        valid_until=timezone.now() + timedelta(days=30),
        via="portal",
        actor="test",
    )
    benefits = ExchangeClient.local(BENEFITS)
    bank = ExchangeClient.local(world.bank.identifier)
    for person in (citizen_a.person, citizen_b.person):
        benefits.get(PERSON, person.iin, purpose="benefit-assignment", issue="case-7")
    benefits.get(PERSON, citizen_a.person.iin, purpose="tax-administration", issue="case-7")
    statement = bank.get(
        INCOME_STATEMENT, citizen_a.person.iin, purpose="loan-assessment", issue="loan-42"
    )
    assert statement.status == 200, statement.body
    bank.get(INCOME_STATEMENT, citizen_b.person.iin, purpose="loan-assessment", issue="loan-43")
    return list(ExchangeRecord.objects.order_by("id"))


def _verify_fails_naming(record_id: int, problem: str) -> None:
    with pytest.raises(CommandError, match="exchange log NOT intact"):
        call_command("exchange_verify")
    assert any(
        f.record_id == record_id and problem in f.problem for f in exchange_verify().findings
    ), exchange_verify().findings


def test_an_untouched_log_verifies(logged: list[ExchangeRecord]) -> None:
    call_command("exchange_seal")
    report = exchange_verify()
    assert report.intact, report.findings
    assert (report.records_checked, report.seals_checked, report.unsealed_records) == (5, 1, 0)
    full = [r for r in logged if r.mode == "full"]
    assert len(full) == 2
    assert all(r.response_body for r in full)


def test_an_edited_record_is_named(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    target = logged[1]
    ExchangeRecord.objects.filter(pk=target.pk).update(purpose="tax-administration")
    _verify_fails_naming(target.pk, "edited")


def test_an_edited_record_with_a_recomputed_digest_is_named(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    target = logged[0]
    ExchangeRecord.objects.filter(pk=target.pk).update(client="QZ/GOV/990240000099/other")
    edited = ExchangeRecord.objects.get(pk=target.pk)
    from qyzmet.exchange.evidence import record_digest

    ExchangeRecord.objects.filter(pk=target.pk).update(digest=record_digest(edited))
    _verify_fails_naming(target.pk, "differs from the sealed digest")


def test_a_deleted_record_is_named(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    target = logged[2]
    ExchangeRecord.objects.filter(pk=target.pk).delete()
    _verify_fails_naming(target.pk, "deleted")


def test_an_edited_body_is_named(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    target = next(r for r in logged if r.response_body)
    ExchangeRecord.objects.filter(pk=target.pk).update(response_body=b'{"amount": 1}')
    _verify_fails_naming(target.pk, "response body")


def test_a_deleted_body_is_named(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    target = next(r for r in logged if r.response_body)
    ExchangeRecord.objects.filter(pk=target.pk).update(request_body=None)
    _verify_fails_naming(target.pk, "missing")


def test_a_bundle_signed_by_another_key_of_the_platform_ca_fails(
    logged: list[ExchangeRecord], trust: TrustSetup, world: ExchangeWorld
) -> None:
    """A member's key is certified by the same CA; it still cannot forge evidence."""
    exchange_seal_pending()
    files = _files(bundle_export(logged[0], exported_by="test"))
    forger = world.benefits.signer
    files["seal.jws"] = jws_sign(files["seal.json"], signer=forger).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["seal.jws"] = hashlib.sha256(files["seal.jws"]).hexdigest()
    files["manifest.json"] = canonical_json(manifest)
    files["manifest.jws"] = jws_sign(files["manifest.json"], signer=forger).encode()
    report = bundle_verify(bundles._zip(files), [x509_of(trust.root)])
    assert not report.valid
    assert any("not signed by the platform evidence seal" in p for p in report.problems)


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_an_edit_before_sealing_is_named(logged: list[ExchangeRecord]) -> None:
    target = logged[2]  # the refusal (wrong purpose) made to look granted
    assert target.status == 403
    ExchangeRecord.objects.filter(pk=target.pk).update(status=200)
    _verify_fails_naming(target.pk, "edited")


def test_a_deleted_seal_breaks_the_chain(
    logged: list[ExchangeRecord], world: ExchangeWorld
) -> None:
    exchange_seal_pending()
    ExchangeClient.local(BENEFITS).get(PERSON, "900517300079", purpose="x", issue="y")
    exchange_seal_pending()
    ExchangeSeal.objects.filter(number=1).delete()
    findings = [str(f) for f in exchange_verify().findings]
    assert any("seal 1 is missing" in f for f in findings), findings


@pytest.fixture
def roots(trust: TrustSetup, tmp_path: Path) -> Path:
    path = tmp_path / "roots.pem"
    path.write_bytes(x509_of(trust.root).public_bytes(Encoding.PEM))
    return path


def test_a_bundle_needs_a_seal(logged: list[ExchangeRecord]) -> None:
    with pytest.raises(BundleNotReady):
        bundle_export(logged[0], exported_by="test")


def _run_offline(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The qyzmet command with no reachable database: verification must not need one."""
    environment = {
        **os.environ,
        "QYZMET_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "QYZMET_HOME": str(Path(args[-1]).parent / "offline-home"),
    }
    qyzmet = Path(sys.executable).with_name("qyzmet")
    return subprocess.run(  # noqa: S603 - our own command, arguments made here
        [str(qyzmet), *map(str, args)], capture_output=True, text=True, env=environment, check=False
    )


@pytest.mark.parametrize("which", ["metadata", "full"])
def test_a_bundle_verifies_offline(
    logged: list[ExchangeRecord], roots: Path, tmp_path: Path, which: str
) -> None:
    exchange_seal_pending()
    record = next(r for r in logged if r.mode == which and r.status == 200)
    out = tmp_path / "bundle.zip"
    call_command("exchange_export", record.message_id, out=out)
    result = _run_offline("exchange", "bundle-verify", out, "--roots", roots)
    assert result.returncode == 0, result.stderr
    assert "bundle valid" in result.stdout
    if which == "full":
        assert {"request.http", "response.body"} <= set(_names(out.read_bytes()))

    altered = bytearray(out.read_bytes())
    altered[len(altered) // 2] ^= 0x01
    out.write_bytes(bytes(altered))
    result = _run_offline("exchange", "bundle-verify", out, "--roots", roots)
    assert result.returncode != 0
    assert "INVALID" in result.stderr


def _names(data: bytes) -> list[str]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def test_any_changed_byte_fails_the_bundle(logged: list[ExchangeRecord], trust: TrustSetup) -> None:
    exchange_seal_pending()
    record = next(r for r in logged if r.mode == "full" and r.status == 200)
    data = bundle_export(record, exported_by="test")
    root = [x509_of(trust.root)]
    assert bundle_verify(data, root).valid
    # Every byte of the zip headers and directory, and a spread of the contents.
    positions = sorted(
        set(range(0, 120)) | set(range(len(data) - 600, len(data))) | set(range(0, len(data), 37))
    )
    for position in positions:
        altered = bytearray(data)
        altered[position] ^= 0x20
        assert not bundle_verify(bytes(altered), root).valid, position
    assert not bundle_verify(data + b"\0", root).valid
    assert not bundle_verify(data[:-1], root).valid


def test_a_bundle_fails_against_other_roots(logged: list[ExchangeRecord]) -> None:
    exchange_seal_pending()
    data = bundle_export(logged[0], exported_by="test")
    from tests.documents.pki import make_pki

    report = bundle_verify(data, [make_pki().root])
    assert not report.valid
    assert any("given roots" in p for p in report.problems)
