"""The mediator's view of members, services and grants, kept in memory.

Reading it costs one query per request (the version stamp); the whole directory is
reloaded when any change moves the stamp, so a revoked grant or removed certificate is
refused by every process from the next request on. It also names the certificate this
node forwards with, so that forwarding needs no query of its own.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from qyzmet.exchange.models import ConfigVersion, Grant, Service, Subsystem, SubsystemCertificate
from qyzmet.trust.models import Certificate, KeyHolder


@dataclass(frozen=True)
class SubsystemEntry:
    pk: int
    identifier: str
    address: str
    is_mediator: bool
    certificates: frozenset[str]  # SHA-256 of certificates that may sign its assertions


@dataclass(frozen=True)
class ForwarderEntry:
    """This node's mediator subsystem and the platform-held certificate it forwards with."""

    identifier: str
    certificate_sha256: str


@dataclass(frozen=True)
class ServiceEntry:
    pk: int
    identifier: str
    code: str
    provider: str
    address: str
    personal_data: bool
    consent_required: bool
    evidence_mode: str
    openapi: dict[str, object]
    # Who forwards requests to the provider's node (services with an address); None when
    # this node has no mediator key.
    forwarder: ForwarderEntry | None = None


@dataclass(frozen=True)
class Directory:
    stamp: str
    subsystems: dict[str, SubsystemEntry] = field(default_factory=dict)
    services: dict[str, ServiceEntry] = field(default_factory=dict)
    # (client subsystem pk, service pk) → the purposes granted
    grants: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    forwarder: ForwarderEntry | None = None

    def services_of(self, provider: str) -> list[ServiceEntry]:
        return sorted(
            (s for s in self.services.values() if s.provider == provider),
            key=lambda s: s.code,
        )

    def granted(self, client: SubsystemEntry, service: ServiceEntry) -> frozenset[str] | None:
        return self.grants.get((client.pk, service.pk))


_lock = threading.Lock()
_current: Directory | None = None


_STAMP_SQL = f"SELECT stamp FROM {ConfigVersion._meta.db_table} ORDER BY id LIMIT 1"  # noqa: S608 - our table


def _stamp() -> str:
    # Every exchange request asks this: plain SQL spares it the ORM's work per call.
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL)
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def directory_changed() -> None:
    """Call in the transaction of any change to members, certificates, services or grants."""
    updated = ConfigVersion.objects.update(stamp=uuid.uuid4().hex)
    if not updated:
        ConfigVersion.objects.create(stamp=uuid.uuid4().hex)


def directory() -> Directory:
    """The directory as committed now (reloaded only when its stamp has moved)."""
    global _current
    stamp = _stamp()
    current = _current
    if current is not None and current.stamp == stamp:
        return current
    with _lock, transaction.atomic():
        loaded = _load(_stamp())
        _current = loaded
        return loaded


def _load(stamp: str) -> Directory:
    certificates: dict[int, set[str]] = {}
    for subsystem_id, sha256 in SubsystemCertificate.objects.filter(
        removed_at__isnull=True
    ).values_list("subsystem_id", "sha256"):
        certificates.setdefault(subsystem_id, set()).add(sha256)
    subsystems = {
        s.identifier: SubsystemEntry(
            pk=s.pk,
            identifier=s.identifier,
            address=s.address,
            is_mediator=s.is_mediator,
            certificates=frozenset(certificates.get(s.pk, ())),
        )
        for s in Subsystem.objects.all()
    }
    forwarder = _forwarder(subsystems, certificates)
    services = {
        s.identifier: ServiceEntry(
            pk=s.pk,
            identifier=s.identifier,
            code=s.code,
            provider=s.provider.identifier,
            address=s.provider.address,
            personal_data=s.personal_data,
            consent_required=s.consent_required,
            evidence_mode=s.evidence_mode,
            openapi=s.openapi,
            forwarder=forwarder if s.provider.address else None,
        )
        for s in Service.objects.select_related("provider").filter(withdrawn_at__isnull=True)
    }
    grants: dict[tuple[int, int], frozenset[str]] = {}
    for grant in Grant.objects.filter(revoked_at__isnull=True).prefetch_related("purposes"):
        grants[(grant.client_id, grant.service_id)] = frozenset(
            p.code for p in grant.purposes.all()
        )
    return Directory(
        stamp=stamp,
        subsystems=subsystems,
        services=services,
        grants=grants,
        forwarder=forwarder,
    )


def _forwarder(
    subsystems: dict[str, SubsystemEntry], certificates: dict[int, set[str]]
) -> ForwarderEntry | None:
    """This node's own mediator (named by QYZMET_EXCHANGE_MEDIATOR; other nodes' mediators
    registered here have other names) and its newest unrevoked certificate whose key the
    platform holds."""
    own = [
        s
        for s in subsystems.values()
        if s.is_mediator
        and not s.address
        and s.identifier.rsplit("/", 1)[1] == settings.QYZMET_EXCHANGE_MEDIATOR
    ]
    if not own:
        return None
    mediator = min(own, key=lambda s: s.pk)
    sha256 = (
        Certificate.objects.filter(
            sha256__in=certificates.get(mediator.pk, ()), revoked_at__isnull=True
        )
        .exclude(key_holder=KeyHolder.SUBJECT)
        .order_by("-not_after")
        .values_list("sha256", flat=True)
        .first()
    )
    return ForwarderEntry(mediator.identifier, sha256) if sha256 else None
