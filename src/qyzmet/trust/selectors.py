"""Reads in the trust domain: an account sees its own certificates, signing requests and
signatures; anything else is 404, whether or not it exists."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from qyzmet.identity.models import Account
from qyzmet.trust.models import Certificate, Purpose, Signature, SigningRequest

# Certificates relying parties may download: the CA side, never a person's (personal data).
PUBLISHED_PURPOSES = (Purpose.ROOT_CA, Purpose.ISSUING_CA, Purpose.TIMESTAMPING, Purpose.OCSP)


def certificates_of(account: Account) -> QuerySet[Certificate]:
    return Certificate.objects.filter(account=account).order_by("-not_before", "-id")


def certificate_get_for(
    account: Account, *, public_id: UUID | None = None, serial: str | None = None
) -> Certificate:
    found = certificates_of(account)
    if public_id is not None:
        found = found.filter(public_id=public_id)
    if serial is not None:
        found = found.filter(serial=serial.lower().lstrip("0") or "0")
    certificate = found.first()
    if certificate is None or (public_id is None and serial is None):
        raise Http404
    return certificate


def published_certificate(
    serial: str, purposes: tuple[Purpose, ...] = PUBLISHED_PURPOSES
) -> Certificate:
    found = Certificate.objects.filter(
        serial=serial.lower().lstrip("0") or "0", purpose__in=purposes
    ).first()
    if found is None:
        raise Http404
    return found


def signatures_of(account: Account) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(certificate__account=account)
        .select_related("certificate")
        .order_by("-signed_at", "-id")
    )


def signature_get_for(account: Account, public_id: UUID) -> Signature:
    found = signatures_of(account).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def signing_request_get_for(account: Account, public_id: UUID) -> SigningRequest:
    found = (
        SigningRequest.objects.select_related("certificate", "signature")
        .filter(public_id=public_id, account=account)
        .first()
    )
    if found is None:
        raise Http404
    return found
