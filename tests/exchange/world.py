"""An exchange set up as an operator would: members, a client system with its own key."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from qyzmet.exchange.models import Subsystem
from qyzmet.exchange.services import (
    certificate_register,
    exchange_init,
    grant_give,
    member_add,
    subsystem_add,
)
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import Subject, ca_certificate, certificate_issue, x509_of
from qyzmet.trust.models import KeyHolder
from qyzmet.trust.models import Purpose as CertificatePurpose
from qyzmet.trust.signer import SigningIdentity

INSTANCE = "QZ"
POPULATION_BIN = "990240000010"  # internal affairs owns the population registry
LABOUR_BIN = "990240000030"
BANK_BIN = "050140000123"
PERSON = f"{INSTANCE}/GOV/{POPULATION_BIN}/population/person"
INCOME_STATEMENT = f"{INSTANCE}/GOV/{LABOUR_BIN}/employment/income-statement"
BENEFITS = f"{INSTANCE}/GOV/{LABOUR_BIN}/benefits-office"
BANK = f"{INSTANCE}/COM/{BANK_BIN}/loans"


@dataclass(frozen=True)
class Caller:
    identifier: str
    subsystem: Subsystem
    signer: SigningIdentity


def caller_with_key(identifier: str, organisation: str) -> Caller:
    """A client subsystem holding its own key, certified by the platform CA (as from a CSR)."""
    subsystem = subsystem_add(identifier=identifier, actor="test-operator")
    key = ec.generate_private_key(ec.SECP256R1())
    issuing = ca_certificate(CertificatePurpose.ISSUING_CA)
    certificate = certificate_issue(
        purpose=CertificatePurpose.SEAL,
        subject=Subject(common_name=identifier, organisation=organisation),
        public_key=key.public_key(),
        key_holder=KeyHolder.SUBJECT,
        issuer=issuing,
    )
    cert = x509_of(certificate)
    certificate_register(
        subsystem=subsystem, pem=cert.public_bytes(Encoding.PEM), actor="test-operator"
    )
    signer = SigningIdentity(private_key=key, certificate=cert, chain=(x509_of(issuing),))
    return Caller(identifier, subsystem, signer)


@dataclass(frozen=True)
class ExchangeWorld:
    benefits: Caller  # the labour ministry's benefits system: granted population/person
    bank: Caller  # a commercial bank: granted the income statement, with consent


def exchange_world(agencies: dict[str, Agency]) -> ExchangeWorld:
    exchange_init()
    benefits = caller_with_key(BENEFITS, "Ministry of Labour")
    member_add(member_class="COM", code=BANK_BIN, name="Dala Bank JSC", actor="test-operator")
    bank = caller_with_key(BANK, "Dala Bank JSC")
    grant_give(
        client=BENEFITS, service=PERSON, purposes=["benefit-assignment"], actor="test-operator"
    )
    grant_give(
        client=BANK, service=INCOME_STATEMENT, purposes=["loan-assessment"], actor="test-operator"
    )
    return ExchangeWorld(benefits=benefits, bank=bank)
