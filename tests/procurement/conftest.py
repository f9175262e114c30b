"""A procurement market for tests: a buyer (the education ministry) with an officer, an
evaluation committee of three whose opening keys live only here (as on their devices),
the review body's officer, and three registered suppliers, each headed by its signatory.
Periods are a second or so, so that tests run the real timers."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from qyzmet.identity.models import Account, Agency
from qyzmet.identity.services import citizen_account_create
from qyzmet.procurement.models import Procedure, Release, Supplier, Tender
from qyzmet.procurement.sealed_bids import (
    Share,
    public_key_bytes,
    seal_open,
    share_context,
)
from qyzmet.procurement.services import (
    LotDraft,
    opening_key_register,
    supplier_register,
    tender_create,
    tender_publish,
)
from qyzmet.trust.authority import TrustSetup, key_file_issue
from qyzmet.trust.jws import jws_sign
from qyzmet.trust.signer import SigningIdentity
from tests import factories
from tests.conftest import PASSWORD, Persona, _logged_in, officer_create


def _ocds_schema_dir() -> Path:
    """The official OCDS 1.1.5 schema beside the project (``../shared/ocds-1.1.5``), or
    where QYZMET_OCDS_SCHEMA_DIR says (a clone elsewhere). Missing, the tests fail."""
    candidates = [
        Path(os.environ.get("QYZMET_OCDS_SCHEMA_DIR", "")),
        Path(__file__).resolve().parents[3] / "shared" / "ocds-1.1.5",
        Path("/work/shared/ocds-1.1.5"),
    ]
    found = next((c for c in candidates if (c / "release-schema.json").is_file()), None)
    assert found is not None, f"the OCDS 1.1.5 schema is in none of {candidates}"
    return found


OCDS = _ocds_schema_dir()
PERIODS = {
    Procedure.OPEN_TENDER: {"tendering": 1, "enquiries": 0.4, "standstill": 0.4},
    Procedure.PRICE_QUOTATION: {"tendering": 1, "enquiries": 0, "standstill": 0.4},
    Procedure.REVERSE_AUCTION: {
        "tendering": 1, "enquiries": 0.4, "standstill": 0.4, "auction_round": 0.5,
        "auction_rounds": 2,
    },
    Procedure.SINGLE_SOURCE: {"tendering": 1, "enquiries": 0, "standstill": 0},
}  # fmt: skip
KEY_PASSWORD = "a long key-file password"


def _schema_validator(name: str) -> Draft4Validator:
    """The official schema, its references resolved from the same directory (offline)."""
    registry: Registry[Any] = Registry()
    for path in OCDS.glob("*.json"):
        contents = json.loads(path.read_text())
        if "id" in contents:
            registry = registry.with_resource(contents["id"], DRAFT4.create_resource(contents))
    schema = json.loads((OCDS / name).read_text())
    return Draft4Validator(schema, registry=registry, format_checker=FormatChecker())


RELEASE_PACKAGE = _schema_validator("release-package-schema.json")
RECORD_PACKAGE = _schema_validator("record-package-schema.json")


def ocds_errors(validator: Draft4Validator, package: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(package)
    ]


@dataclass
class Member:
    persona: Persona
    opening_key: X25519PrivateKey

    @property
    def account(self) -> Account:
        assert self.persona.account is not None
        return self.persona.account

    def share_of(self, tender: Tender) -> bytes:
        """Open this member's share on their own device, with their own key."""
        seat = tender.committee.get(account=self.account)
        assert seat.sealed_share is not None
        opened = seal_open(
            self.opening_key, bytes(seat.sealed_share),
            context=share_context(str(tender.public_id), str(self.account.public_id)),
        )  # fmt: skip
        Share.from_bytes(opened)
        return opened


@dataclass
class Bidder:
    supplier: Supplier
    persona: Persona
    signer: SigningIdentity

    @property
    def account(self) -> Account:
        assert self.persona.account is not None
        return self.persona.account


@dataclass
class Market:
    buyer: Agency
    officer: Persona
    reviewer: Persona
    committee: list[Member]
    bidders: list[Bidder]
    officer_signer: SigningIdentity
    tenders: list[Tender] = field(default_factory=list)

    @property
    def officer_account(self) -> Account:
        assert self.officer.account is not None
        return self.officer.account

    @property
    def reviewer_account(self) -> Account:
        assert self.reviewer.account is not None
        return self.reviewer.account

    def tender(self, procedure: Procedure, *, lots: int = 2, **options: Any) -> Tender:
        """A published tender whose deadline is its procedure's least period away."""
        seconds = PERIODS[procedure]["tendering"] + 0.5  # room for a busy machine
        sealed = procedure != Procedure.SINGLE_SOURCE
        draft = tender_create(
            buyer=self.buyer, procedure=procedure, title=f"School computers ({procedure})",
            description="Laptops and projectors for rural schools", category="goods",
            lots=[
                LotDraft(f"Lot {n}", "30213100-6", "Portable computers", 10 * n, "piece",
                         1_000_000_00 * n)
                for n in range(1, lots + 1)
            ],
            tender_end=timezone.now() + timedelta(seconds=seconds),
            committee=[m.account for m in self.committee] if sealed else [],
            threshold=2 if sealed else 1, actor="test", **options,
        )  # fmt: skip
        tender = tender_publish(tender=draft, actor="test")
        self.tenders.append(tender)
        return tender


def wait_until(moment: datetime | None) -> None:
    assert moment is not None
    delay = (moment - timezone.now()).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.05)


def _signer(account: Account) -> SigningIdentity:
    _certificate, key_file = key_file_issue(
        account=account, password=KEY_PASSWORD, algorithm="ecdsa-p256", actor="test"
    )
    key, certificate, chain = pkcs12.load_key_and_certificates(key_file, KEY_PASSWORD.encode())
    assert key is not None
    assert certificate is not None
    return SigningIdentity(key, certificate, tuple(chain))  # type: ignore[arg-type]


def sign(signer: SigningIdentity, terms: str) -> str:
    return jws_sign(terms.encode(), signer=signer)


@pytest.fixture
def market(trust: TrustSetup, agencies: dict[str, Agency], settings: Any) -> Market:
    settings.QYZMET_PROCUREMENT_PERIODS = PERIODS
    buyer = agencies["education"]
    officer = officer_create(buyer, "buyer.officer")
    reviewer = officer_create(agencies["finance"], "review.officer")
    committee = [
        Member(officer_create(buyer, f"committee.{n}"), X25519PrivateKey.generate())
        for n in range(3)
    ]
    for member in committee:  # each made their pair on their device and registered it
        opening_key_register(
            account=member.account, public_key=public_key_bytes(member.opening_key.public_key())
        )
    bidders = []
    for name in ("Dala Tech LLP", "Nomad Systems LLP", "Altyn Supply LLP"):
        head = factories.person(surname=name.split()[0], given_name="Head")
        organisation = factories.organisation(name)
        organisation.legal_entity.head = head
        organisation.legal_entity.save(update_fields=["head"])
        account = citizen_account_create(iin=head.iin, password=PASSWORD)
        supplier = supplier_register(account=account, bin_=organisation.bin)
        bidders.append(
            Bidder(supplier, Persona(name, account, _logged_in(account), head), _signer(account))
        )
    assert officer.account is not None
    return Market(buyer, officer, reviewer, committee, bidders, _signer(officer.account))


def all_releases() -> list[Release]:
    return list(Release.objects.order_by("id"))
