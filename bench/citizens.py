"""Citizens of a generated population for the benches: accounts of living adults, answers
to a service's form, and an applicant's key-file signature over a draft, as the portal's
signing page records it. Django must be set up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qyzmet.cases.models import Case
    from qyzmet.identity.models import Account


def citizen_accounts_create(count: int) -> list[Account]:
    """Citizen accounts (no usable password) of the first ``count`` living adults; exits
    when the population has fewer."""
    import sys

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from qyzmet.identity.models import Account, AccountKind, Person

    today = timezone.localdate()
    adults = list(
        Person.objects.filter(
            population__death_date__isnull=True,
            population__birth_date__lte=today.replace(year=today.year - 18),
        )
        .order_by("pk")
        .values_list("pk", "iin")[:count]
    )
    if len(adults) < count:
        sys.exit(f"the population has {len(adults):,} adults, fewer than {count:,}")
    unusable = make_password(None)
    return Account.objects.bulk_create(
        (
            Account(
                username=iin,
                kind=AccountKind.CITIZEN,
                person_id=pk,
                phone=f"+7701{pk % 10**7:07d}",
                preferred_language=("kk", "ru", "en")[pk % 3],
                password=unusable,
            )
            for pk, iin in adults
        ),
        batch_size=2_000,  # a statement binds at most 65,535 parameters
    )


REASONS = ("dismissed", "resigned", "contract_ended", "business_closed", "never_worked")
OCCUPATIONS = ("welder", "accountant", "driver", "teacher", "nurse", "programmer", "cook")


def unemployed_status_answers(seed: int) -> dict[str, str]:
    """Valid answers to the ``unemployed-status`` form, varied by ``seed``."""
    answers = {
        "reason": REASONS[seed % len(REASONS)],
        "occupation": OCCUPATIONS[seed % len(OCCUPATIONS)],
        "education": ("secondary", "vocational", "higher")[seed % 3],
        "phone": f"+7701{seed % 10**7:07d}",
    }
    if answers["reason"] != "never_worked":
        answers["left_on"] = "2025-11-28"
    return answers


class Signer:
    """Issues each applicant a key-file certificate and signs their drafts with it."""

    def __init__(self) -> None:
        from qyzmet.trust.algorithms import algorithm_named
        from qyzmet.trust.authority import ca_certificate
        from qyzmet.trust.models import Purpose

        self.algorithm = algorithm_named("ecdsa-p256")
        self.issuer = ca_certificate(Purpose.ISSUING_CA)

    def sign(self, account: Account, case: Case) -> str:
        """The id of the applicant's recorded signature over the case's submission digest."""
        from cryptography.hazmat.primitives.serialization import Encoding

        from qyzmet.cases.services import submission_digest
        from qyzmet.trust.authority import certificate_issue, subject_of_account, x509_of
        from qyzmet.trust.models import KeyHolder, Purpose
        from qyzmet.trust.signing import signature_record

        key: Any = self.algorithm.generate()
        certificate = certificate_issue(
            purpose=Purpose.SIGN,
            subject=subject_of_account(account),
            public_key=key.public_key(),
            key_holder=KeyHolder.SUBJECT,
            issuer=self.issuer,
            account=account,
        )
        digest = submission_digest(case)
        signature = signature_record(
            certificate_der=x509_of(certificate).public_bytes(Encoding.DER),
            algorithm=self.algorithm.jws,
            value=self.algorithm.sign(key, bytes.fromhex(digest)),
            content_sha256=digest,
            description=f"application {case.number}",
            account=account,
        )
        return str(signature.public_id)
