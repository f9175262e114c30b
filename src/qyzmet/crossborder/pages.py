"""The operator's journal of the cross-border node: what was sent, received and refused."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from qyzmet.core.errors import Problem
from qyzmet.crossborder.evidence import DIRECTIONS, evidence_export
from qyzmet.crossborder.models import IncomingMessage, OutgoingMessage, Partner, RefusedEnvelope
from qyzmet.identity.models import AccountKind

JOURNAL_ROWS = 50  # newest first, per table


def _operator(request: HttpRequest) -> None:
    if getattr(request.user, "kind", None) != AccountKind.OPERATOR:
        raise Http404


@login_required
@never_cache
@require_safe
def journal(request: HttpRequest) -> HttpResponse:
    _operator(request)
    outgoing = OutgoingMessage.objects.select_related("partner").order_by("-created_at")
    incoming = IncomingMessage.objects.select_related("partner").order_by("-received_at")
    return render(request, "crossborder/journal.html", {
        "partners": Partner.objects.order_by("country"),
        "outgoing": outgoing[:JOURNAL_ROWS],
        "incoming": incoming[:JOURNAL_ROWS],
        "refused": RefusedEnvelope.objects.order_by("-at")[:JOURNAL_ROWS],
    })  # fmt: skip


@login_required
@never_cache
@require_safe
def evidence_download(request: HttpRequest, direction: str, message_id: UUID) -> HttpResponse:
    _operator(request)
    if direction not in DIRECTIONS:
        raise Http404
    try:
        archive = evidence_export(direction, message_id)
    except Problem as problem:
        raise Http404 from problem
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{direction}-{message_id}.zip"'
    return response
