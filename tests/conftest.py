"""Personas every test may use: citizen A and B, officers of agencies X and Y, an
operator, and anonymous. Agency X (internal affairs) owns the population register;
agency Y (labour) owns employment and benefits."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from qyzmet.catalog.services import catalogue_publish_shipped
from qyzmet.crossborder.node import node_caches_clear
from qyzmet.exchange.services import exchange_init
from qyzmet.identity.models import Account, AccountKind, Agency, OfficerRole, Person
from qyzmet.identity.services import (
    agency_ensure_defaults,
    citizen_account_create,
    staff_account_create,
    token_create,
)
from qyzmet.trust.authority import TrustSetup, trust_init
from tests import factories

PASSWORD = "correct horse battery staple"
AGENCY_X = "internal-affairs"
AGENCY_Y = "labour"


@pytest.fixture(scope="session")
def qyzmet_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys and files of each test session live in a temporary QYZMET_HOME."""
    home = tmp_path_factory.getbasetemp() / "qyzmet-home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture(autouse=True)
def _qyzmet_home(qyzmet_home: Path, settings: object) -> Path:
    settings.QYZMET_HOME = qyzmet_home  # type: ignore[attr-defined]
    # The simulated banks are an outside party with state of their own (closed accounts,
    # files answered): each test starts with banks that know nothing of earlier tests.
    shutil.rmtree(qyzmet_home / "bank-simulator", ignore_errors=True)
    return qyzmet_home


# Argon2 (the production hasher) costs about 0.2 s a password and most tests make several
# accounts; tests that are about hashing ask for Argon2 themselves.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _crossborder_node_forgotten() -> None:
    """Each test's PKI is its own: seals kept by an earlier test are not."""
    node_caches_clear()  # the platform's kept seals too


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS  # type: ignore[attr-defined]


@dataclass
class Persona:
    name: str
    account: Account | None
    client: Client
    person: Person | None = None

    def token(self, *scopes: str) -> str:
        """A fresh access token of this persona's account with the given scopes."""
        from datetime import timedelta

        from django.utils import timezone

        assert self.account is not None
        issued = token_create(
            account=self.account,
            name="test",
            scopes=list(scopes),
            expires_at=timezone.now() + timedelta(days=1),
        )
        return issued.secret

    def totp(self) -> str:
        assert self.account is not None
        return pyotp.TOTP(self.account.totp_secret).now()

    def totp_next(self) -> str:
        """The authenticator's next code, which the platform takes for clock skew: the
        current one is spent once it has logged the persona in."""
        assert self.account is not None
        totp = pyotp.TOTP(self.account.totp_secret)
        return totp.at(timezone.now() + timedelta(seconds=totp.interval))


def _logged_in(account: Account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def agencies(db: None) -> dict[str, Agency]:
    return {agency.code: agency for agency in agency_ensure_defaults()}


def citizen_a_create() -> Persona:
    home = factories.address()
    subject = factories.person(surname="Abenov", given_name="Nurlan", address_unit=home)
    account = citizen_account_create(iin=subject.iin, password=PASSWORD)
    account.phone = "+77010000001"  # where one-time signing codes go
    account.save(update_fields=["phone"])
    return Persona("citizen A", account, _logged_in(account), subject)


def citizen_b_create() -> Persona:
    subject = factories.person(surname="Bekova", given_name="Aigerim", sex="F")
    account = citizen_account_create(iin=subject.iin, password=PASSWORD)
    account.phone = "+77010000002"
    account.save(update_fields=["phone"])
    return Persona("citizen B", account, _logged_in(account), subject)


@pytest.fixture
def citizen_a(db: None) -> Persona:
    return citizen_a_create()


@pytest.fixture
def citizen_b(db: None) -> Persona:
    return citizen_b_create()


def officer_create(agency: Agency, username: str) -> Persona:
    account = staff_account_create(
        username=username,
        password=PASSWORD,
        kind=AccountKind.OFFICER,
        display_name=f"Officer of {agency.code}",
        agency=agency,
        roles=(OfficerRole.REVIEWER,),
    )
    return Persona(f"officer of {agency.code}", account, _logged_in(account))


@pytest.fixture
def officer_x(agencies: dict[str, Agency]) -> Persona:
    return officer_create(agencies[AGENCY_X], "officer.x")


@pytest.fixture
def officer_y(agencies: dict[str, Agency]) -> Persona:
    return officer_create(agencies[AGENCY_Y], "officer.y")


def operator_create() -> Persona:
    account = staff_account_create(
        username="operator",
        password=PASSWORD,
        kind=AccountKind.OPERATOR,
        display_name="Platform operator",
    )
    return Persona("operator", account, _logged_in(account))


@pytest.fixture
def operator(db: None) -> Persona:
    return operator_create()


@pytest.fixture
def anonymous() -> Persona:
    return Persona("anonymous", None, Client())


@pytest.fixture
def personas(
    citizen_a: Persona,
    citizen_b: Persona,
    officer_x: Persona,
    officer_y: Persona,
    operator: Persona,
    anonymous: Persona,
) -> dict[str, Persona]:
    return {
        "citizen_a": citizen_a,
        "citizen_b": citizen_b,
        "officer_x": officer_x,
        "officer_y": officer_y,
        "operator": operator,
        "anonymous": anonymous,
    }


@pytest.fixture
def trust(db: None) -> TrustSetup:
    """The platform PKI (root, issuing CA, TSA, OCSP responder), set up as `trust init` does."""
    return trust_init()


@pytest.fixture
def published(trust: TrustSetup, agencies: dict[str, Agency]) -> None:
    """The shipped catalogue, published, and the exchange it reads through."""
    catalogue_publish_shipped(actor="test")
    exchange_init()


def officer_persona(agency: Agency, role: OfficerRole, username: str) -> Persona:
    account = staff_account_create(
        username=username, password=PASSWORD, kind=AccountKind.OFFICER,
        display_name=f"{role} of {agency.code}", agency=agency, roles=(role,),
    )  # fmt: skip
    client = Client()
    client.force_login(account)
    return Persona(f"{role} of {agency.code}", account, client)


@pytest.fixture
def registrar(agencies: dict[str, Agency]) -> Persona:
    return officer_persona(agencies["justice"], OfficerRole.REGISTRAR, "registrar.justice")


@pytest.fixture
def labour_reviewer(agencies: dict[str, Agency]) -> Persona:
    return officer_persona(agencies["labour"], OfficerRole.REVIEWER, "reviewer.labour")
