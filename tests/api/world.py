"""What the registries hold about citizens A and B, and the ids the API names it by.

Both citizens have one of everything (home address, flat, car, job with three monthly
incomes, benefit, child, an earlier version of their population record and an access
token; a signed document in their wallet with a share link; a certificate whose key they
hold as a key file, a signature made with it, and a remote signing request waiting for the
code texted to their phone), so every endpoint has something to show to those allowed to
see it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from django.test import TestCase
from django.utils import timezone

from qyzmet.cases.models import Case
from qyzmet.cases.services import (
    case_fee_request,
    case_open,
    case_process,
    case_submit,
    decision_digest,
    fee_purpose,
    situation_open,
    submission_digest,
)
from qyzmet.catalog.services import catalogue_publish
from qyzmet.catalog.validation import catalogue_read
from qyzmet.core.delivery import simulated_messages
from qyzmet.documents.models import Document, DocumentFormat
from qyzmet.documents.services import document_content, document_issue, share_link_create
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import Consent, Service, Subsystem
from qyzmet.exchange.models import Purpose as ExchangePurpose
from qyzmet.exchange.services import (
    consent_give,
    exchange_init,
    grant_give,
    member_add,
    subsystem_add,
)
from qyzmet.identity.models import Account, Agency, Person
from qyzmet.identity.services import agency_ensure_defaults, token_create
from qyzmet.payments.iso20022 import kz_iban
from qyzmet.payments.models import PayoutAccount, PayoutAccountSource
from qyzmet.payments.selectors import fee_for
from qyzmet.payments.services import fee_request
from qyzmet.payments.simulator import simulated_pay
from qyzmet.programmes.models import Offer, OfferStatus, Programme
from qyzmet.programmes.services import programmes_load
from qyzmet.registries import models as m
from qyzmet.registries.versioning import record_revise
from qyzmet.rules.services import SHIPPED as RULES_SHIPPED
from qyzmet.rules.services import rule_publish
from qyzmet.trust.algorithms import algorithm_named
from qyzmet.trust.authority import (
    ca_certificate,
    certificate_issue,
    subject_of_account,
    trust_init,
    x509_of,
)
from qyzmet.trust.jws import b64url, b64url_decode
from qyzmet.trust.models import Certificate, KeyHolder, Purpose, Signature
from qyzmet.trust.signer import SigningKey
from qyzmet.trust.signing import signature_record, signing_request_create
from tests import factories
from tests.api.procurement_world import Tendering, tendering_build
from tests.catalog import SAMPLE
from tests.exchange.world import BANK, BANK_BIN, BENEFITS, INCOME_STATEMENT, PERSON

NO_CASE = UUID(int=0)


@dataclass(frozen=True)
class Holdings:
    """One citizen's records."""

    person: Person
    account: Account
    surname: str
    address_code: int
    cadastral_number: str
    vin: str
    employer_bin: str
    benefit_kind: str
    child_iin: str
    token_id: UUID
    document_id: UUID  # a signed JSON document in their wallet
    document_code: str  # its verification code
    document_bytes: bytes
    share_id: UUID  # a live share link to it
    certificate_serial: str  # a SIGN certificate whose key they keep in a key file
    key_file_signature: dict[str, str]  # a well-formed POST /trust/signatures body, by that key
    signature_id: UUID  # a signature already recorded with that key
    exchange_issue: str  # the case for which the exchange gave out data about them
    consent_id: UUID  # their live consent letting the bank get their income statement
    fee_id: UUID  # a state fee asked of them, awaiting payment
    # Made for each test (holdings_for_test), the code living minutes only:
    signing_request_id: UUID = NO_CASE  # a remote signature waiting for its code
    signing_code: str = ""  # the code texted to their phone
    # Applications (built only for the tests that need them, being slow to build):
    draft_case_id: UUID = NO_CASE  # a sample-certificate application: paid, signed, a draft
    queued_case_id: UUID = NO_CASE  # a submitted one, waiting for an officer of agency X
    # That officer's signatures over approving it with "Checked." and refusing it "Unclear."
    approval_signature_id: UUID = NO_CASE
    refusal_signature_id: UUID = NO_CASE
    situation_id: UUID = NO_CASE  # a sample life situation they started
    # Programmes (loaded only for the tests of their endpoints): an offer of sample-aid
    # waiting for their answer; sample-grant they have not applied to; a refusal of
    # sample-relief they may appeal.
    offered: bool = False
    # Public procurement: the subject heads a registered supplier (procurement_world).
    tendering: Tendering | None = None

    @property
    def iin(self) -> str:
        return self.person.iin

    @property
    def procurement(self) -> Tendering:
        assert self.tendering is not None
        return self.tendering


@dataclass(frozen=True)
class World:
    a: Holdings
    b: Holdings

    def of(self, subject: str) -> Holdings:
        return {"a": self.a, "b": self.b}[subject]


def vehicle(owner: Person, *, vin: str) -> m.Vehicle:
    return m.Vehicle.objects.create(
        vin=vin,
        plate=f"{vin[-3:]}ABC02",
        make="Toyota",
        model="Camry",
        year=2019,
        owner_person=owner,
        registered_on=date(2019, 6, 1),
    )


def estate(owner: Person, *, cadastral_number: str, home: m.AddressUnit) -> m.RealEstateObject:
    flat = m.RealEstateObject.objects.create(
        cadastral_number=cadastral_number, kind=m.PropertyKind.FLAT, address=home, area_dm2=6_450
    )
    m.RealEstateOwnership.objects.create(
        estate=flat,
        owner_person=owner,
        share_numerator=1,
        share_denominator=1,
        since=date(2018, 4, 2),
    )
    return flat


def benefit(person: Person, *, kind: str = m.BenefitKind.CHILD_CARE) -> m.BenefitAward:
    return m.BenefitAward.objects.create(
        person=person, kind=kind, monthly_amount=85_000_00, since=date(2025, 2, 1)
    )


def child(parent: Person, *, surname: str) -> Person:
    born = date(2016, 2, 29)
    kid = factories.person(surname=surname, given_name="Dana", birth_date=born, sex="F")
    m.FamilyLink.objects.create(
        person=kid, relative=parent, relation=m.FamilyRelation.PARENT, since=born
    )
    return kid


def wallet_document(person: Person, *, title: str = "Extract") -> Document:
    """A sealed JSON document (the quickest format to issue) in the person's wallet."""
    return document_issue(
        kind="population-extract",
        format=DocumentFormat.JSON,
        owner=person,
        agency=Agency.objects.get(code="internal-affairs"),
        language="en",
        title=title,
        context={"iin": person.iin},
        actor="system",
    )


def key_file_certificate(account: Account) -> tuple[Certificate, SigningKey]:
    """A SIGN certificate of the account and its key, as a key file would hold them."""
    key = algorithm_named("ecdsa-p256").generate()
    certificate = certificate_issue(
        purpose=Purpose.SIGN,
        subject=subject_of_account(account),
        public_key=key.public_key(),
        key_holder=KeyHolder.SUBJECT,
        issuer=ca_certificate(Purpose.ISSUING_CA),
        account=account,
    )
    return certificate, key


def signature_body(certificate: Certificate, key: SigningKey, content: bytes) -> dict[str, str]:
    """The POST /trust/signatures body for ``key`` signing ``content`` (over its SHA-256)."""
    digest = hashlib.sha256(content).digest()
    algorithm = algorithm_named(certificate.algorithm)
    return {
        "content_sha256": digest.hex(),
        "algorithm": algorithm.jws,
        "value": b64url(algorithm.sign(key, digest)),
        "certificate": base64.b64encode(
            x509_of(certificate).public_bytes(serialization.Encoding.DER)
        ).decode(),
    }


def signing_code(phone: str) -> str:
    """The last one-time code the SMS simulator "sent" to ``phone``."""
    text = simulated_messages("sms", to=phone)[-1].text
    found = re.search(r"\b[0-9]{6}\b", text)
    assert found is not None, text
    return found.group()


def exchange_build() -> None:
    """The exchange with two clients: the benefits office, granted population records, and a
    bank, granted income statements with the person's consent. Safe to run again."""
    exchange_init()
    if not Subsystem.objects.filter(identifier=BENEFITS).exists():
        subsystem_add(identifier=BENEFITS, actor="test-operator")
        grant_give(
            client=BENEFITS, service=PERSON, purposes=["benefit-assignment"], actor="test-operator"
        )
    if not Subsystem.objects.filter(identifier=BANK).exists():
        member_add(member_class="COM", code=BANK_BIN, name="Dala Bank JSC", actor="test-operator")
        subsystem_add(identifier=BANK, actor="test-operator")
        grant_give(
            client=BANK,
            service=INCOME_STATEMENT,
            purposes=["loan-assessment"],
            actor="test-operator",
        )


def exchange_accesses(person: Person, *, issue: str) -> Consent:
    """A consent to the bank, and the benefits office and the bank given data about them."""
    consent = consent_give(
        person=person,
        party=Subsystem.objects.get(identifier=BANK),
        purpose=ExchangePurpose.objects.get(code="loan-assessment"),
        services=[Service.objects.get(identifier=INCOME_STATEMENT)],
        valid_until=timezone.now() + timedelta(days=30),
        via="portal",
        actor="system",
    )
    benefits = ExchangeClient.local(BENEFITS).get(
        PERSON, person.iin, purpose="benefit-assignment", issue=issue
    )
    bank = ExchangeClient.local(BANK).get(
        INCOME_STATEMENT, person.iin, purpose="loan-assessment", issue=issue
    )
    assert (benefits.status, bank.status) == (200, 200), (benefits.body, bank.body)
    return consent


APPROVAL_NOTE, REFUSAL_REASON = "Checked.", "Unclear."


def _decision_signature(case: Case, officer: Account, decision: str, text: str) -> UUID:
    certificate, key = key_file_certificate(officer)
    digest = decision_digest(case, officer=officer, decision=decision, text=text)
    algorithm = algorithm_named(certificate.algorithm)
    return signature_record(
        certificate_der=x509_of(certificate).public_bytes(serialization.Encoding.DER),
        algorithm=algorithm.jws, value=algorithm.sign(key, bytes.fromhex(digest)),
        content_sha256=digest, description=case.number, account=officer,
    ).public_id  # fmt: skip


def cases_build(account: Account) -> tuple[UUID, UUID, UUID, UUID, UUID]:
    """A signed, paid draft; a submitted application processed up to its officer step,
    with its officer's signatures over approving and over refusing it; and a life
    situation. Needs the sample catalogue published."""
    certificate, key = key_file_certificate(account)

    def signed_draft() -> Case:
        draft = case_open(account=account, service="sample-certificate", answers={"reason": "work"})
        case_fee_request(case=draft, account=account)
        payment = fee_for(fee_purpose(draft))
        assert payment is not None
        simulated_pay(payment.provider_reference)
        body = signature_body(certificate, key, b"")
        digest = bytes.fromhex(submission_digest(draft))
        algorithm = algorithm_named(certificate.algorithm)
        signature_record(
            certificate_der=base64.b64decode(body["certificate"]), algorithm=body["algorithm"],
            value=algorithm.sign(key, digest), content_sha256=digest.hex(),
            description=draft.number, account=account,
        )  # fmt: skip
        return draft

    draft = signed_draft()
    queued = signed_draft()
    signature = Signature.objects.get(content_sha256=submission_digest(queued))
    case_submit(case_id=queued.public_id, signature=str(signature.public_id), account=account)
    case_process(case_id=queued.pk)
    queued = Case.objects.select_related("version__service", "applicant").get(pk=queued.pk)
    officer = Account.objects.get(memberships__agency=queued.queue_agency_id)
    situation = situation_open(account=account, situation="sample-situation")
    return (
        draft.public_id, queued.public_id, situation.public_id,
        _decision_signature(queued, officer, "approve", APPROVAL_NOTE),
        _decision_signature(queued, officer, "refuse", REFUSAL_REASON),
    )  # fmt: skip


def programmes_build(person: Person) -> None:
    """The sample programmes (adults paid on their answer), and an offer to ``person``."""
    rule_publish(code="adult", source=(RULES_SHIPPED / "adult.rule").read_text(), actor="test")
    programmes_load(SAMPLE, actor="test")
    Offer.objects.create(
        programme=Programme.objects.get(code="sample-aid"), person=person,
        status=OfferStatus.OFFERED, created_at=timezone.now(), offered_at=timezone.now(),
    )  # fmt: skip
    Offer.objects.create(
        programme=Programme.objects.get(code="sample-relief"), person=person,
        status=OfferStatus.REFUSED, created_at=timezone.now(), answered_at=timezone.now(),
        channel="api", explanation={"en": ["Not eligible."], "kk": ["Құқығы жоқ."],
                                    "ru": ["Права нет."]},
    )  # fmt: skip


def holdings_build(account: Account, *, serial: int) -> Holdings:
    """The records that last: a test module builds them once and each of its tests runs
    in a savepoint rolled back afterwards (``holdings_for_test`` adds what cannot last)."""
    person = account.person
    assert person is not None
    trust_init()
    agency_ensure_defaults()
    record = m.PopulationRecord.objects.get(person=person)
    home = record.address or factories.address("Almaty", "Medeu", "Almaty", "Abay", str(serial))
    # An earlier version of the record, so that its history is not empty.
    record_revise(
        record=record,
        changes={"address_id": home.pk, "registered_since": date(2020, 9, 1)},
        reason="moved house",
        actor="system",
    )
    employer = factories.organisation(f"Employer {serial} LLP")
    factories.employ(person, employer)
    exchange_build()
    exchange_issue = f"benefit-case-{serial}"
    consent = exchange_accesses(person, issue=exchange_issue)
    token = token_create(
        account=account,
        name=f"integration {serial}",
        scopes=["registries:read"],
        expires_at=timezone.now() + timedelta(days=30),
    ).token

    document = wallet_document(person)
    share, _ = share_link_create(document=document, account=account, lifetime=timedelta(days=1))
    certificate, key = key_file_certificate(account)
    body = signature_body(certificate, key, f"lease agreement {serial}".encode())
    signature = signature_record(
        certificate_der=base64.b64decode(body["certificate"]),
        algorithm=body["algorithm"],
        value=b64url_decode(body["value"]),
        content_sha256=body["content_sha256"],
        description="lease agreement",
        account=account,
    )
    catalogue_publish(catalogue=catalogue_read(SAMPLE), actor="test-operator")
    PayoutAccount.objects.create(person=person, iban=kz_iban("101", f"{serial:013d}"),
                                 bic="DALAKZKA", source=PayoutAccountSource.KNOWN)  # fmt: skip
    officer_key = key_file_certificate(Account.objects.get(username="officer.x"))
    tendering = tendering_build(account, (certificate, key), officer_key, serial)
    return Holdings(
        person=person,
        account=account,
        surname=record.surname_lat,
        address_code=home.code,
        cadastral_number=estate(
            person, cadastral_number=f"21-320-105-{serial:04d}", home=home
        ).cadastral_number,
        vin=vehicle(person, vin=f"JTNB11HK{serial:09d}").vin,
        employer_bin=employer.bin,
        benefit_kind=benefit(person).kind,
        child_iin=child(person, surname=record.surname_lat).iin,
        token_id=token.public_id,
        document_id=document.public_id,
        document_code=document.short_code,
        document_bytes=document_content(document),
        share_id=share.public_id,
        certificate_serial=certificate.serial,
        key_file_signature=body,
        signature_id=signature.public_id,
        exchange_issue=exchange_issue,
        consent_id=consent.public_id,
        fee_id=fee_request(
            purpose=f"test:fee-{serial}",
            payer=person,
            amount=1_380_00,
            description="State fee",
            actor="system",
        ).public_id,
        tendering=tendering,
    )


def holdings_for_test(
    lasting: Holdings, *, with_cases: bool = False, with_programmes: bool = False
) -> Holdings:
    """``lasting`` with fresh objects of the person and account (a test may change them),
    a remote signing request waiting for the code just texted, and, for the tests of their
    endpoints, applications or programmes (slow to build, so only where needed)."""
    account = Account.objects.select_related("person").get(pk=lasting.account.pk)
    person = account.person
    assert person is not None
    assert account.phone, "the personas have phones for one-time codes"
    if with_programmes:
        programmes_build(person)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the code is texted on commit
        waiting = signing_request_create(
            account=account,
            content_sha256=lasting.key_file_signature["content_sha256"],
            description="lease agreement",
        )
    cases = cases_build(account) if with_cases else (NO_CASE,) * 5
    return replace(
        lasting,
        person=person,
        account=account,
        signing_request_id=waiting.public_id,
        signing_code=signing_code(account.phone),
        offered=with_programmes,
        draft_case_id=cases[0],
        queued_case_id=cases[1],
        situation_id=cases[2],
        approval_signature_id=cases[3],
        refusal_signature_id=cases[4],
    )
