"""The node's face to partner states: envelopes in, the trust list out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from qyzmet.crossborder.delivery import MAX_ENVELOPE_BYTES, MEDIA_TYPE, envelope_receive
from qyzmet.crossborder.node import own_trust_list


@csrf_exempt
@require_POST
def envelopes(request: HttpRequest) -> HttpResponse:
    """Take one envelope (XML, the request body); answer a signed receipt (200) or a signed
    error signal (4xx). The body is read here, past Django's form-size limit, up to one
    byte more than MAX_ENVELOPE_BYTES: a larger one is refused as malformed."""
    xml = request.read(MAX_ENVELOPE_BYTES + 1)
    answer = envelope_receive(xml, remote_address=request.META.get("REMOTE_ADDR"))
    return HttpResponse(answer.xml, status=answer.status, content_type=MEDIA_TYPE)


@require_GET
def trust_list(request: HttpRequest) -> HttpResponse:
    """This node's roots as a signed TS 119 612 trust list, for partners to import."""
    response = HttpResponse(own_trust_list(), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = 'attachment; filename="trust-list.xml"'
    return response
