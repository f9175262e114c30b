"""Reads in the documents domain, with the permission rule: people see their own documents;
anything else is 404, whether or not it exists."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from qyzmet.documents.codes import short_code_normalise
from qyzmet.documents.models import Document, ShareLink


def wallet_of(person_id: int | None) -> QuerySet[Document]:
    """A person's documents, newest first (none without a person)."""
    return (
        Document.objects.filter(owner_id=person_id)
        .select_related("agency", "blob")
        .order_by("-issued_at", "-id")
    )


def document_get_for_owner(person_id: int | None, public_id: UUID) -> Document:
    found = wallet_of(person_id).filter(public_id=public_id).first() if person_id else None
    if found is None:
        raise Http404
    return found


def document_by_code(text: str) -> Document | None:
    """The registered document with a verification code, typed leniently; None if none."""
    code = short_code_normalise(text)
    if not code:
        return None
    return Document.objects.select_related("agency", "blob").filter(short_code=code).first()


def live_shares_of(document: Document) -> QuerySet[ShareLink]:
    return document.shares.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )


def share_get_for_owner(person_id: int | None, public_id: UUID) -> ShareLink:
    found = (
        ShareLink.objects.select_related("document")
        .filter(public_id=public_id, document__owner_id=person_id)
        .first()
        if person_id
        else None
    )
    if found is None:
        raise Http404
    return found
