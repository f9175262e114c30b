"""Reads of state fees, with the permission rule: a person sees the fees asked of them;
anything else is 404, whether or not it exists."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from qyzmet.payments.models import FeePayment, FeeStatus


def fee_for(purpose: str) -> FeePayment | None:
    return FeePayment.objects.filter(purpose=purpose).first()


def fee_is_paid(purpose: str) -> bool:
    return FeePayment.objects.filter(purpose=purpose, status=FeeStatus.PAID).exists()


def fees_of(person_id: int | None) -> QuerySet[FeePayment]:
    """A person's fees, newest first (none without a person)."""
    return FeePayment.objects.filter(payer_id=person_id).order_by("-created_at", "-id")


def fee_get_for_payer(person_id: int | None, public_id: UUID) -> FeePayment:
    found = fees_of(person_id).filter(public_id=public_id).first() if person_id else None
    if found is None:
        raise Http404
    return found


def fee_by_reference(reference: str) -> FeePayment | None:
    if not reference:
        return None
    return FeePayment.objects.filter(provider_reference=reference).first()
