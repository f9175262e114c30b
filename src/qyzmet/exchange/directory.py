"""The mediator's view of members, services and grants, kept in memory.

Reading it costs one query per request (the version stamp); the whole directory is
reloaded when any change moves the stamp, so a revoked grant or removed certificate is
refused by every process from the next request on.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from django.db import transaction

from qyzmet.exchange.models import ConfigVersion, Grant, Service, Subsystem, SubsystemCertificate


@dataclass(frozen=True)
class SubsystemEntry:
    pk: int
    identifier: str
    address: str
    is_mediator: bool
    certificates: frozenset[str]  # SHA-256 of certificates that may sign its assertions


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


@dataclass(frozen=True)
class Directory:
    stamp: str
    subsystems: dict[str, SubsystemEntry] = field(default_factory=dict)
    services: dict[str, ServiceEntry] = field(default_factory=dict)
    # (client subsystem pk, service pk) → the purposes granted
    grants: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)

    def services_of(self, provider: str) -> list[ServiceEntry]:
        return sorted(
            (s for s in self.services.values() if s.provider == provider),
            key=lambda s: s.code,
        )

    def granted(self, client: SubsystemEntry, service: ServiceEntry) -> frozenset[str] | None:
        return self.grants.get((client.pk, service.pk))


_lock = threading.Lock()
_current: Directory | None = None


def _stamp() -> str:
    return ConfigVersion.objects.values_list("stamp", flat=True).first() or ""


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
        )
        for s in Service.objects.select_related("provider").filter(withdrawn_at__isnull=True)
    }
    grants: dict[tuple[int, int], frozenset[str]] = {}
    for grant in Grant.objects.filter(revoked_at__isnull=True).prefetch_related("purposes"):
        grants[(grant.client_id, grant.service_id)] = frozenset(
            p.code for p in grant.purposes.all()
        )
    return Directory(stamp=stamp, subsystems=subsystems, services=services, grants=grants)
