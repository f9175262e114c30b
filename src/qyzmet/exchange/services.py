"""Changes to the exchange: members join, publish services and get grants; people consent.

Every change is audited with its actor, and every change to members, certificates,
services or grants moves the directory stamp in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.exchange.directory import directory_changed
from qyzmet.exchange.identifiers import BadIdentifier, ClientId, ServiceId
from qyzmet.exchange.models import (
    Consent,
    EvidenceMode,
    Grant,
    Member,
    MemberClass,
    Purpose,
    Service,
    Subsystem,
    SubsystemCertificate,
)
from qyzmet.exchange.providers import LOCAL_SERVICES
from qyzmet.exchange.purposes import DEFAULT_PURPOSES
from qyzmet.identity.models import Agency, Person
from qyzmet.registries.catalogue import BY_CODE
from qyzmet.trust.algorithms import algorithm_named
from qyzmet.trust.authority import Subject, ca_certificate, certificate_issue, sha256_of, x509_of
from qyzmet.trust.models import KeyHolder
from qyzmet.trust.models import Purpose as CertificatePurpose

MEDIATOR_AGENCY = "digital"


def _client_id(text: str) -> ClientId:
    try:
        return ClientId.parse(text)
    except BadIdentifier as error:
        raise Problem(422, str(error), code="invalid-identifier") from error


def member_add(
    *, member_class: str, code: str, name: str, agency: Agency | None = None, actor: str
) -> Member:
    """Register an organisation as a member (idempotent on class and code)."""
    if member_class not in MemberClass.values:
        raise Problem(422, f"Member class must be one of {', '.join(MemberClass.values)}.")
    with transaction.atomic():
        member, created = Member.objects.get_or_create(
            member_class=member_class, code=code, defaults={"name": name, "agency": agency}
        )
        if created:
            audit_record(
                actor=actor,
                action="exchange.member_add",
                object_type="member",
                object_id=str(member),
            )
            directory_changed()
    return member


def subsystem_add(
    *, identifier: str, address: str = "", is_mediator: bool = False, actor: str
) -> Subsystem:
    """Register a member's subsystem; ``address`` is where its services answer (else here)."""
    parsed = _client_id(identifier)
    if parsed.instance != settings.QYZMET_EXCHANGE_INSTANCE and not address:
        raise Problem(422, "A subsystem of another instance needs the address of its node.")
    if address:
        try:
            URLValidator(schemes=["http", "https"])(address)
        except ValidationError as error:
            raise Problem(422, "The address must be an http:// or https:// URL.") from error
    address = address.rstrip("/")
    member = Member.objects.filter(
        member_class=parsed.member_class, code=parsed.member_code
    ).first()
    if member is None:
        raise Problem(422, f"No member {parsed.member_class}/{parsed.member_code}: add it first.")
    with transaction.atomic():
        subsystem, created = Subsystem.objects.get_or_create(
            member=member,
            code=parsed.subsystem,
            defaults={"identifier": str(parsed), "address": address, "is_mediator": is_mediator},
        )
        if not created and subsystem.identifier == own_mediator_identifier():
            raise Problem(
                409,
                "This is this node's own mediator. Give each node's mediator its own name "
                "(QYZMET_EXCHANGE_MEDIATOR) before registering another node's.",
            )
        if not created and (subsystem.address, subsystem.is_mediator) != (address, is_mediator):
            subsystem.address, subsystem.is_mediator = address, is_mediator
            subsystem.save(update_fields=["address", "is_mediator"])
        audit_record(
            actor=actor,
            action="exchange.subsystem_add",
            object_type="subsystem",
            object_id=subsystem.identifier,
            data={"address": address, "is_mediator": is_mediator},
        )
        directory_changed()
    return subsystem


def certificate_register(*, subsystem: Subsystem, pem: bytes, actor: str) -> SubsystemCertificate:
    """Let the key of this certificate sign the subsystem's client assertions."""
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise Problem(422, "The certificate is not PEM-encoded X.509.") from error
    sha256 = sha256_of(certificate)
    with transaction.atomic():
        registered, _created = SubsystemCertificate.objects.get_or_create(
            sha256=sha256, defaults={"subsystem": subsystem, "pem": pem.decode()}
        )
        if registered.subsystem_id != subsystem.pk:
            raise Problem(409, "This certificate is registered to another subsystem.")
        if registered.removed_at is not None:
            registered.removed_at = None
            registered.save(update_fields=["removed_at"])
        audit_record(
            actor=actor,
            action="exchange.certificate_register",
            object_type="subsystem",
            object_id=subsystem.identifier,
            data={"sha256": sha256},
        )
        directory_changed()
    return registered


def service_publish(
    *,
    identifier: str,
    titles: tuple[str, str, str],
    personal_data: bool = True,
    consent_required: bool = False,
    evidence_mode: str = EvidenceMode.METADATA,
    openapi: dict[str, object] | None = None,
    actor: str,
) -> Service:
    """Publish (or update) a service of a registered subsystem."""
    try:
        parsed = ServiceId.parse(identifier)
    except BadIdentifier as error:
        raise Problem(422, str(error), code="invalid-identifier") from error
    provider = Subsystem.objects.filter(identifier=str(parsed.provider)).first()
    if provider is None:
        raise Problem(422, f"No subsystem {parsed.provider}: add it first.")
    values: dict[str, object] = {
        "identifier": str(parsed),
        "title_kk": titles[0],
        "title_ru": titles[1],
        "title_en": titles[2],
        "personal_data": personal_data,
        "consent_required": consent_required,
        "evidence_mode": evidence_mode,
        "withdrawn_at": None,
    }
    if openapi is not None:  # a service published again keeps its description unless given
        values["openapi"] = openapi
    with transaction.atomic():
        service, _created = Service.objects.update_or_create(
            provider=provider, code=parsed.code, defaults=values
        )
        audit_record(
            actor=actor,
            action="exchange.service_publish",
            object_type="service",
            object_id=service.identifier,
        )
        directory_changed()
    return service


def grant_give(*, client: str, service: str, purposes: list[str], actor: str) -> Grant:
    """Allow a client subsystem to call a service for these purposes (replaces an earlier grant)."""
    subsystem = Subsystem.objects.filter(identifier=str(_client_id(client))).first()
    published = Service.objects.filter(identifier=service, withdrawn_at__isnull=True).first()
    if subsystem is None or published is None:
        raise Problem(422, "Both the client subsystem and the service must be registered.")
    chosen = list(Purpose.objects.filter(code__in=purposes))
    unknown = set(purposes) - {p.code for p in chosen}
    if unknown:
        raise Problem(422, f"Unknown purposes: {', '.join(sorted(unknown))}.")
    if published.personal_data and not chosen:
        raise Problem(422, "A grant to a personal-data service names at least one purpose.")
    now = timezone.now()
    with transaction.atomic():
        Grant.objects.filter(client=subsystem, service=published, revoked_at__isnull=True).update(
            revoked_at=now
        )
        grant = Grant.objects.create(
            client=subsystem, service=published, granted_at=now, granted_by=actor
        )
        grant.purposes.set(chosen)
        audit_record(
            actor=actor,
            action="exchange.grant_give",
            object_type="grant",
            object_id=str(grant.pk),
            data={"client": client, "service": service, "purposes": sorted(purposes)},
        )
        directory_changed()
    return grant


def grant_revoke(*, client: str, service: str, actor: str) -> int:
    """Withdraw a client's grant to a service; returns how many grants ended (0 or 1)."""
    with transaction.atomic():
        ended = Grant.objects.filter(
            client__identifier=client, service__identifier=service, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if ended:
            audit_record(
                actor=actor,
                action="exchange.grant_revoke",
                object_type="grant",
                data={"client": client, "service": service},
            )
            directory_changed()
    return ended


def consent_give(
    *,
    person: Person,
    party: Subsystem,
    purpose: Purpose,
    services: list[Service],
    valid_until: datetime,
    via: str,
    actor: str,
) -> Consent:
    """The person lets ``party`` use ``services`` about them for ``purpose`` until a date."""
    now = timezone.now()
    if valid_until <= now:
        raise Problem(422, _("A consent must end in the future."))
    if not services or any(not s.consent_required for s in services):
        raise Problem(422, _("Consent is given only for services that require it."))
    granted = Grant.objects.filter(
        client=party, service__in=services, purposes=purpose, revoked_at__isnull=True
    ).values_list("service_id", flat=True)
    if set(granted) != {s.pk for s in services}:
        raise Problem(422, _("This organisation may not use these services for this purpose."))
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            party=party,
            purpose=purpose,
            valid_from=now,
            valid_until=valid_until,
            granted_at=now,
            granted_via=via,
        )
        consent.services.set(services)
        audit_record(
            actor=actor,
            action="exchange.consent_give",
            object_type="consent",
            object_id=str(consent.public_id),
            data={"party": party.identifier, "purpose": purpose.code},
        )
    return consent


def consent_withdraw(*, consent: Consent, actor: str) -> Consent:
    """End a consent now; calls that rely on it are refused from this moment."""
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])
            audit_record(
                actor=actor,
                action="exchange.consent_withdraw",
                object_type="consent",
                object_id=str(locked.public_id),
            )
    return locked


def exchange_init(*, actor: str = "system") -> Subsystem:
    """Make this node's agencies members, publish their registries' services, add the purposes
    and a mediator subsystem with a platform-held key. Running it again changes nothing new.
    """
    instance = settings.QYZMET_EXCHANGE_INSTANCE
    for definition in DEFAULT_PURPOSES:
        Purpose.objects.update_or_create(code=definition.code, defaults=definition.names())
    for local in LOCAL_SERVICES:
        agency = Agency.objects.select_related("organisation").get(
            code=BY_CODE[local.registry].owner
        )
        member_add(
            member_class=MemberClass.GOV, code=agency.organisation.bin, name=agency.name_en,
            agency=agency, actor=actor,
        )  # fmt: skip
        provider = f"{instance}/GOV/{agency.organisation.bin}/{local.registry}"
        if not Subsystem.objects.filter(identifier=provider).exists():
            subsystem_add(identifier=provider, actor=actor)
        service_id = f"{provider}/{local.code}"
        service_publish(
            identifier=service_id,
            titles=(local.title_kk, local.title_ru, local.title_en),
            personal_data=local.personal_data,
            consent_required=local.consent_required,
            evidence_mode=local.evidence_mode,
            openapi=local.openapi(service_id),
            actor=actor,
        )
    return mediator_ensure(actor=actor)


def own_mediator_identifier() -> str:
    """``INSTANCE/GOV/<BIN of the digital ministry>/<QYZMET_EXCHANGE_MEDIATOR>``."""
    bins = Agency.objects.filter(code=MEDIATOR_AGENCY).values_list("organisation__bin", flat=True)
    return (
        f"{settings.QYZMET_EXCHANGE_INSTANCE}/GOV/{bins.first() or '-'}/"
        f"{settings.QYZMET_EXCHANGE_MEDIATOR}"
    )


def mediator_ensure(*, actor: str = "system") -> Subsystem:
    """This node's mediator subsystem, with a platform-held key to forward requests with."""
    agency = Agency.objects.select_related("organisation").get(code=MEDIATOR_AGENCY)
    bin_ = agency.organisation.bin
    member_add(
        member_class=MemberClass.GOV, code=bin_, name=agency.name_en, agency=agency, actor=actor
    )
    identifier = own_mediator_identifier()
    subsystem = Subsystem.objects.filter(identifier=identifier).first()
    if subsystem is None:
        subsystem = subsystem_add(identifier=identifier, is_mediator=True, actor=actor)
    if not subsystem.certificates.filter(removed_at__isnull=True).exists():
        issuing = ca_certificate(CertificatePurpose.ISSUING_CA)
        key = algorithm_named(issuing.algorithm).generate()
        certificate = certificate_issue(
            purpose=CertificatePurpose.SEAL,
            subject=Subject(common_name=identifier, organisation=agency.name_en),
            public_key=key.public_key(),
            private_key=key,
            key_holder=KeyHolder.PLATFORM_SEALED,
            issuer=issuing,
            actor=actor,
        )
        pem = x509_of(certificate).public_bytes(Encoding.PEM)
        certificate_register(subsystem=subsystem, pem=pem, actor=actor)
    return subsystem
