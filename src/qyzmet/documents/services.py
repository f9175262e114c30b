"""Issuing result documents: render in the reader's language, sign, store, record.

A document is signed with the issuing agency's seal (a platform-held key certified by
the platform CA) and time-stamped; it carries a QR code and a short code that lead to
the public verification page. Rendering and signing happen before the database
transaction, so a slow PDF never holds a lock.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.documents.blobs import blob_store
from qyzmet.documents.codes import short_code_new
from qyzmet.documents.formats.pades import pades_sign
from qyzmet.documents.formats.xades import xades_sign
from qyzmet.documents.models import Blob, Document, DocumentFormat, ShareLink
from qyzmet.identity.models import Account, Agency, Person
from qyzmet.trust.authority import seal_certificate_ensure, signing_identity
from qyzmet.trust.jws import canonical_json, jws_sign
from qyzmet.trust.signer import SigningIdentity
from qyzmet.trust.timestamps import timestamp_token, timestamper

MEDIA_TYPES = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.XML: "application/xml",
    DocumentFormat.JSON: "application/json",
}
SHARE_MAX_LIFETIME = timedelta(days=30)


def verification_url(short_code: str) -> str:
    return f"{settings.QYZMET_PUBLIC_URL}/verify/{short_code}"


def _render(
    *,
    kind: str,
    format: DocumentFormat,
    short_code: str,
    agency: Agency,
    seal: SigningIdentity,
    language: str,
    title: str,
    issued_at: datetime,
    context: dict[str, Any],
    template: str,
) -> bytes:
    url = verification_url(short_code)
    common = {
        **context,
        "title": title,
        "short_code": short_code,
        "verification_url": url,
        "agency": agency,
        "agency_name": getattr(agency, f"name_{language}"),
        "issued_at": issued_at,
        "language": language,
    }
    with translation.override(language):
        if format == DocumentFormat.PDF:
            from weasyprint import HTML  # heavy: imported only when a PDF is made

            common["qr_code"] = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
            html = render_to_string(f"documents/results/{template}.html", common)
            pdf = HTML(string=html).write_pdf()
            return pades_sign(
                pdf, signer=seal, timestamper=timestamper(), reason=title, field_name="Seal"
            )
        if format == DocumentFormat.XML:
            xml = render_to_string(f"documents/results/{template}.xml", common)
            return xades_sign(xml.encode(), signer=seal, timestamper=timestamper())
    payload = {
        "kind": kind,
        "title": title,
        "language": language,
        "verification_code": short_code,
        "verification_url": url,
        "issuer": {"agency": agency.code, "bin": agency.organisation.bin},
        "issued_at": issued_at.isoformat(),
        "data": context,
    }
    signature = jws_sign(canonical_json(payload), signer=seal)
    # The time stamp over the signature keeps it verifiable after the seal expires.
    stamp = base64.b64encode(timestamp_token(signature.encode())).decode()
    return canonical_json({"payload": payload, "signature": signature, "timestamp": stamp})


def document_issue(
    *,
    kind: str,
    format: DocumentFormat,
    owner: Person,
    agency: Agency,
    language: str,
    title: str,
    context: dict[str, Any],
    actor: str,
    template: str = "",
) -> Document:
    """Render, seal, time-stamp and store a result document, and put it in the owner's wallet.

    ``context`` fills the template ``documents/results/<template>.html`` (PDF) or ``.xml``
    (XML), the template being the kind unless named, or becomes the ``data`` of a JSON
    document; it must be JSON-serialisable for JSON.
    """
    if language not in dict(settings.LANGUAGES):
        raise Problem(422, f"Unknown language {language!r}.")
    short_code = short_code_new()
    issued_at = timezone.now()
    seal = seal_certificate_ensure(agency=agency)
    content = _render(
        kind=kind,
        format=format,
        short_code=short_code,
        agency=agency,
        seal=signing_identity(seal),
        language=language,
        title=title,
        issued_at=issued_at,
        context=context,
        template=template or kind,
    )
    sha256 = blob_store().put(content)
    with transaction.atomic():
        blob, _created = Blob.objects.get_or_create(
            sha256=sha256, defaults={"size": len(content), "media_type": MEDIA_TYPES[format]}
        )
        document = Document.objects.create(
            short_code=short_code,
            kind=kind,
            title=title,
            language=language,
            format=format,
            owner=owner,
            agency=agency,
            blob=blob,
            signed_by=seal,
            issued_at=issued_at,
        )
        audit_record(
            actor=actor,
            action="documents.issue",
            object_type="document",
            object_id=str(document.public_id),
            data={"kind": kind, "format": format, "sha256": sha256, "owner": owner.iin},
        )
    return document


def document_content(document: Document) -> bytes:
    return blob_store().get(document.blob_id)


def _share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_link_create(
    *, document: Document, account: Account, lifetime: timedelta
) -> tuple[ShareLink, str]:
    """A link anyone may use to download ``document`` until it expires or is revoked.

    Returns the link and its secret token; only the token's hash is stored.
    """
    if account.person_id is None or document.owner_id != account.person_id:
        raise Problem(404, _("Not found."))
    if lifetime <= timedelta(0) or lifetime > SHARE_MAX_LIFETIME:
        raise Problem(422, _("A share link may last from a minute up to 30 days."))
    token = secrets.token_urlsafe(24)
    link = ShareLink.objects.create(
        document=document,
        token_hash=_share_token_hash(token),
        created_by=account,
        expires_at=timezone.now() + lifetime,
    )
    audit_record(
        actor=f"account:{account.public_id}",
        action="documents.share",
        object_type="document",
        object_id=str(document.public_id),
        data={"share": str(link.public_id), "expires_at": link.expires_at.isoformat()},
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, account: Account) -> ShareLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            actor=f"account:{account.public_id}",
            action="documents.share.revoke",
            object_type="document",
            object_id=str(link.document.public_id),
            data={"share": str(link.public_id)},
        )
    return link


def share_link_open(token: str) -> Document | None:
    """The document behind a live share link (counting the download), or None."""
    with transaction.atomic():
        link = (
            ShareLink.objects.select_for_update()
            .select_related("document")
            .filter(
                token_hash=_share_token_hash(token),
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if link is None:
            return None
        link.downloads += 1
        link.save(update_fields=["downloads"])
        return link.document
