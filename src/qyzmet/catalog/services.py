"""Publishing the catalogue: each changed definition becomes its service's next version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from qyzmet.catalog.models import LifeSituation, LifeSituationVersion, Service, ServiceVersion
from qyzmet.catalog.validation import Catalogue, catalogue_read
from qyzmet.core.audit import audit_record
from qyzmet.identity.models import Agency
from qyzmet.identity.services import agency_ensure_defaults
from qyzmet.rules.services import rules_publish_shipped

SHIPPED = Path(__file__).resolve().parent / "defs"


@dataclass(frozen=True)
class Published:
    kind: str  # "service" | "life situation"
    code: str
    number: int
    new: bool  # False: the definition was already the current version


@transaction.atomic
def catalogue_publish(*, catalogue: Catalogue, actor: str) -> list[Published]:
    """Publish every definition of ``catalogue`` (checked by ``catalogue_read``) whose
    content differs from its current version, all or none; each new version is audited.
    A service is also republished when its eligibility rule has a newer version."""
    published = []
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    for code, definition in catalogue.services.items():
        agency = agencies[definition.agency]
        service, _ = Service.objects.select_for_update().get_or_create(
            code=code, defaults={"agency": agency}
        )
        if service.agency_id != agency.pk:
            service.agency = agency
            service.save(update_fields=["agency"])
        rule_version = catalogue.rule_versions.get(code)
        published.append(
            _version_publish(
                owner=service, versions=ServiceVersion, kind="service",
                data=definition.model_dump(mode="json", by_alias=True),
                pinned=rule_version.pk if rule_version else None,
                source_file=catalogue.files.get(code, ""), actor=actor,
                service=service, rule_version=rule_version,
            )
        )  # fmt: skip
    for code, situation_definition in catalogue.situations.items():
        situation, _ = LifeSituation.objects.select_for_update().get_or_create(code=code)
        published.append(
            _version_publish(
                owner=situation, versions=LifeSituationVersion, kind="life situation",
                data=situation_definition.model_dump(mode="json", by_alias=True), pinned=None,
                source_file=catalogue.files.get(code, ""), actor=actor, situation=situation,
            )
        )  # fmt: skip
    return published


def catalogue_publish_shipped(*, actor: str) -> list[Published]:
    """Publish the catalogue qyzmet ships (``catalog/defs``) and the rules it uses
    (``rules/defs``); what is already published unchanged stays as it is."""
    with transaction.atomic():
        agency_ensure_defaults()  # the agencies the shipped services belong to
        rules_publish_shipped(actor=actor)
        return catalogue_publish(catalogue=catalogue_read(SHIPPED), actor=actor)


def _version_publish(
    *,
    owner: Service | LifeSituation,
    versions: type[ServiceVersion] | type[LifeSituationVersion],
    kind: str,
    data: dict[str, Any],
    pinned: object,
    source_file: str,
    actor: str,
    **owner_fields: Any,
) -> Published:
    """The next version of ``owner`` holding ``data``, unless its current one holds it."""
    text = json.dumps([data, pinned], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    current = owner.current
    if current is not None and current.digest == digest:
        return Published(kind, owner.code, current.number, new=False)
    version = versions._default_manager.create(
        number=(current.number + 1) if current else 1,
        definition=data,
        digest=digest,
        source_file=source_file,
        published_by=actor,
        **owner_fields,
    )
    owner.current = version
    owner.save(update_fields=["current"])
    audit_record(
        actor=actor, action="catalog.publish", object_type=kind.replace(" ", "_"),
        object_id=f"{owner.code}/{version.number}", data={"digest": digest},
    )  # fmt: skip
    return Published(kind, owner.code, version.number, new=True)
