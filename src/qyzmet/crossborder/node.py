"""This node as partner states see it: its party (country and organisation), the seal it
signs envelopes, receipts and error signals with, and the trust list it publishes."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from qyzmet.crossborder.envelope import Party
from qyzmet.crossborder.trustlist import (
    CA,
    GRANTED,
    TSA,
    Status,
    TrustedService,
    TrustList,
    trust_list_write,
)  # fmt: skip
from qyzmet.identity.models import Agency
from qyzmet.identity.services import agency_ensure_defaults
from qyzmet.trust.authority import (
    Subject,
    ca_certificate,
    platform_seal_ensure,
    signing_identity_kept,
    x509_of,
)
from qyzmet.trust.models import Certificate, Purpose
from qyzmet.trust.signer import SigningIdentity

# The agency that runs the node (as it runs the exchange's mediator).
NODE_AGENCY = "digital"
# How often partners are told to fetch the list again.
TRUST_LIST_VALIDITY = timedelta(days=30)
SEAL_RECHECK = 60.0  # seconds between lookups of the node's current seal


@lru_cache(maxsize=1)
def _own_organisation() -> str:
    agency = Agency.objects.select_related("organisation").filter(code=NODE_AGENCY).first()
    if agency is None:  # a node just set up: the state's agencies are made on first use
        agency = next(a for a in agency_ensure_defaults() if a.code == NODE_AGENCY)
    return agency.organisation.bin


def own_party() -> Party:
    """The node's party: its state and the BIN of the agency that runs it (kept in this
    process: neither changes while it runs)."""
    return Party(settings.QYZMET_COUNTRY, _own_organisation())


def _node_subject() -> Subject:
    country = settings.QYZMET_COUNTRY
    return Subject(
        common_name=f"qyzmet cross-border node {country}",
        organisation=own_party().organisation,
        country=country,
    )


_seal: tuple[float, str] | None = None  # (when looked up, monotonic; the seal's SHA-256)


def own_signer() -> SigningIdentity:
    """The node's seal (a platform-held key under its root), issued on first use. It is
    looked up again every SEAL_RECHECK seconds (a renewed or revoked seal is taken up then),
    and its unsealed key is kept in this process, as a node signs every envelope with it."""
    global _seal
    now = time.monotonic()
    if _seal is None or now - _seal[0] > SEAL_RECHECK:
        _seal = (now, platform_seal_ensure(agency=None, subject=_node_subject()).sha256)
    return signing_identity_kept(_seal[1])


def node_caches_clear() -> None:
    """Forget the kept organisation and seal (tests that start from a new PKI call it)."""
    global _seal
    _seal = None
    _own_organisation.cache_clear()
    signing_identity_kept.cache_clear()


def own_trust_list() -> bytes:
    """The node's roots as a TS 119 612 trust list, signed with its seal: what a partner
    imports to trust this node's envelopes and its agencies' signatures. It is numbered by
    how many roots the node has had, so a new root makes a newer list."""
    sequence = Certificate.objects.filter(
        purpose__in=[Purpose.ROOT_CA, Purpose.TIMESTAMPING]
    ).count()
    root = x509_of(ca_certificate(Purpose.ROOT_CA))
    tsa = x509_of(ca_certificate(Purpose.TIMESTAMPING))
    now = timezone.now()
    trust_list = TrustList(
        territory=settings.QYZMET_COUNTRY,
        operator=f"qyzmet cross-border node {settings.QYZMET_COUNTRY}",
        sequence=sequence,
        issued_at=now.replace(microsecond=0),
        next_update=(now + TRUST_LIST_VALIDITY).replace(microsecond=0),
        services=(
            TrustedService(CA, "Root CA", root, (Status(GRANTED, root.not_valid_before_utc),)),
            TrustedService(TSA, "Time-stamping", tsa, (Status(GRANTED, tsa.not_valid_before_utc),)),
        ),
    )
    return trust_list_write(trust_list, own_signer())
