"""The information mediator: the one code path every exchange request takes.

:func:`mediate` authenticates the client (a client assertion over HTTP; in-process callers
are the platform's own code), applies the access rules (deny by default; a grant names
the purposes; personal data needs a purpose and a case reference; consent where the
service requires it), answers from a local registry or forwards to the provider's node,
and logs the request with its answer or refusal. The log row is what the evidence seals,
the data tracker shows and the evidence bundle exports.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from qyzmet.core.errors import PROBLEM_CONTENT_TYPE
from qyzmet.exchange.assertions import (
    AssertionRefused,
    assertion_check,
    hash_header,
    request_hash,
)
from qyzmet.exchange.directory import Directory, ServiceEntry, SubsystemEntry, directory
from qyzmet.exchange.evidence import record_digest, response_hash
from qyzmet.exchange.identifiers import BadIdentifier, ClientId, ServiceId
from qyzmet.exchange.messages import ExchangeAnswer, ExchangeRequest, Refusal
from qyzmet.exchange.models import Consent, EvidenceMode, ExchangeRecord
from qyzmet.exchange.providers import BY_ROUTE, ProviderError
from qyzmet.exchange.transports import forward
from qyzmet.identity.national_ids import InvalidNumber, iin_parse
from qyzmet.trust.authority import sha256_of
from qyzmet.trust.validation import MALFORMED_CERTIFICATE, certificate_check

JSON = "application/json"
META_SERVICES = frozenset({"listMethods", "allowedMethods", "getOpenAPI"})
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
_CONSENT_MISSING = _lazy(
    "The person has not consented to this client using this service for this purpose."
)
_USER_IIN = re.compile(r"(?:[A-Z]{2})?(\d{12})")
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,100}")
_ECHOABLE = re.compile(r"[\x21-\x7e]{1,1000}")  # what may be echoed in a response header


@dataclass
class _Log:
    """What the record of one exchange will say, filled in as the request is handled."""

    message_id: str
    request_message: bytes
    request_hash: str
    client: str = ""
    service: str = ""
    subject_iin: str = ""
    own_action: bool = False
    consent: str = ""
    mode: str = EvidenceMode.METADATA
    assertion_id: str | None = None
    fields: list[str] = field(default_factory=list)


def mediate(request: ExchangeRequest) -> ExchangeAnswer:
    """Answer one exchange request, or refuse it; either way the exchange is logged."""
    message = f"{request.method.upper()} {request.path}\n".encode() + request.body
    if not _ECHOABLE.fullmatch(request.target) or "\x00" in request.query:
        # Only visible ASCII reaches the log and the provider; keep a safe copy of the rest.
        request = replace(request, target=quote(request.target, safe="/"), query="")
        refused = Refusal(400, "Client.BadRequest", _("The path holds characters it may not."))
    else:
        refused = None
    given_id = request.message_id
    log = _Log(
        message_id=given_id if _MESSAGE_ID.fullmatch(given_id) else str(uuid.uuid4()),
        request_message=message,
        request_hash=request_hash(message),
        client=request.client[:200],
        service=request.target.split("?")[0][:270],
    )
    try:
        if refused is not None:
            raise refused
        if given_id and given_id != log.message_id:
            raise Refusal(
                400,
                "Client.InvalidMessageId",
                _("X-Road-Id is 1 to 100 visible ASCII characters."),
            )
        answer = _answer(request, log, directory())
    except Refusal as refusal:
        answer = _problem(refusal, request.path)
    return _logged(request, log, answer)


def _answer(request: ExchangeRequest, log: _Log, found: Directory) -> ExchangeAnswer:
    parts = request.target.split("/")
    target_id = "/".join(parts[:5])
    log.service = target_id[:270]
    try:
        client_id = ClientId.parse(request.client)
    except BadIdentifier as error:
        raise Refusal(400, "Client.InvalidClientIdentifier", str(error)) from error
    client = found.subsystems.get(str(client_id))
    if client is None:
        raise Refusal(
            401, "Client.UnknownClient", _("The client subsystem is not a registered member.")
        )
    if request.channel == "http":
        log.assertion_id = _authenticated(request, log, client)
    if parts[1:] == ["listClients"]:
        return _json({"member": [{"id": identifier} for identifier in sorted(found.subsystems)]})
    if len(parts) >= 5 and parts[4] in META_SERVICES:
        return _meta(request, parts, client, found)
    try:
        service_id = ServiceId.parse(target_id)
    except BadIdentifier as error:
        raise Refusal(400, "Client.InvalidServiceIdentifier", str(error)) from error
    service = found.services.get(str(service_id))
    if service is None:
        raise Refusal(404, "Server.ServerProxy.UnknownService", _("No such service is published."))
    purposes = found.granted(client, service)
    if purposes is None:
        raise Refusal(
            403,
            "Server.ServerProxy.AccessDenied",
            _("The client has no grant for this service."),
        )
    log.mode = service.evidence_mode
    rest = parts[5:]
    if service.personal_data:
        _check_personal(request, log, client, service, purposes, rest)
    answer = _dispatch(replace(request, consent=log.consent), service, rest)
    if 200 <= answer.status < 300 and service.personal_data:
        log.fields = _fields(answer.body)
    return answer


def _authenticated(request: ExchangeRequest, log: _Log, client: SubsystemEntry) -> str | None:
    """The assertion id to log (None for mutual TLS, where the channel is the proof)."""
    if request.tls_certificate and not request.assertion:
        _check_tls_client(request.tls_certificate, client)
        return None
    if not request.assertion:
        raise Refusal(
            401,
            "Client.MissingAssertion",
            _("Sign every request with a client assertion (Authorization: Bearer ...)."),
        )
    try:
        checked = assertion_check(
            request.assertion,
            client=client.identifier,
            audience=settings.QYZMET_PUBLIC_URL,
            message_hash=log.request_hash,
            registered=client.certificates,
        )
    except AssertionRefused as refused:
        raise Refusal(401, "Client.InvalidAssertion", refused.detail) from refused
    if ExchangeRecord.objects.filter(assertion_id=checked.assertion_id).exists():
        raise Refusal(401, "Client.ReplayedAssertion", _("This client assertion was used before."))
    return checked.assertion_id


def _check_tls_client(pem: bytes, client: SubsystemEntry) -> None:
    try:
        certificate = x509.load_pem_x509_certificate(pem)
        check = certificate_check(certificate, at=timezone.now(), usage=CLIENT_AUTH)
    except MALFORMED_CERTIFICATE as error:
        raise Refusal(
            401, "Client.InvalidCertificate", _("The TLS client certificate is unreadable.")
        ) from error
    if not check.trusted:
        raise Refusal(
            401,
            "Client.InvalidCertificate",
            _("The TLS client certificate is not trusted: %(problems)s")
            % {"problems": ", ".join(check.problems)},
        )
    if sha256_of(certificate) not in client.certificates:
        raise Refusal(
            401,
            "Client.InvalidCertificate",
            _("The TLS client certificate is not registered to the client."),
        )


def _check_personal(
    request: ExchangeRequest,
    log: _Log,
    client: SubsystemEntry,
    service: ServiceEntry,
    purposes: frozenset[str],
    rest: list[str],
) -> None:
    try:
        log.subject_iin = iin_parse(rest[0] if rest else "").iin
    except InvalidNumber as error:
        raise Refusal(
            400, "Client.BadRequest", _("Name the person by a valid IIN after the service code.")
        ) from error
    user = _USER_IIN.fullmatch(request.user_id)
    # Only platform code may say the person acted themselves: a remote caller chooses its
    # X-Road-UserId freely, so over HTTP it is logged but not believed.
    log.own_action = request.channel == "local" and bool(user and user.group(1) == log.subject_iin)
    if not request.purpose:
        raise Refusal(
            400, "Client.MissingPurpose", _("Personal data is given only for a stated purpose.")
        )
    if request.purpose not in purposes:
        raise Refusal(
            403,
            "Server.ServerProxy.PurposeNotGranted",
            _("The client's grant does not cover this purpose."),
        )
    if not request.issue:
        raise Refusal(
            400,
            "Client.MissingIssue",
            _("Personal data is given only for a case: send its reference in X-Road-Issue."),
        )
    if service.consent_required and client.is_mediator:
        # The mediating node checked the person's consent and names it; without a name,
        # it did not know the service needs one, and the answer is no.
        if not _MESSAGE_ID.fullmatch(request.consent):
            raise Refusal(
                403,
                "Server.ServerProxy.ConsentMissing",
                str(_CONSENT_MISSING),
            )
        log.consent = request.consent[:40]
    elif service.consent_required:
        log.consent = _consent(log.subject_iin, client, service, request.purpose)


def _consent(iin: str, client: SubsystemEntry, service: ServiceEntry, purpose: str) -> str:
    now = timezone.now()
    consent = (
        Consent.objects.filter(
            person__iin=iin,
            party_id=client.pk,
            purpose__code=purpose,
            services__pk=service.pk,
            valid_from__lte=now,
            valid_until__gt=now,
            withdrawn_at__isnull=True,
        )
        .values_list("public_id", flat=True)
        .first()
    )
    if consent is None:
        raise Refusal(
            403,
            "Server.ServerProxy.ConsentMissing",
            str(_CONSENT_MISSING),
        )
    return str(consent)


def _dispatch(request: ExchangeRequest, service: ServiceEntry, rest: list[str]) -> ExchangeAnswer:
    if service.address:
        return forward(request, service)
    if request.method.upper() != "GET":
        raise Refusal(405, "Client.MethodNotAllowed", _("This service answers GET requests only."))
    provider_code = service.provider.rsplit("/", 1)[1]
    local = BY_ROUTE.get((provider_code, service.code))
    if local is None or len(rest) != 1:
        raise Refusal(404, "Server.ServerProxy.UnknownService", _("No such service is published."))
    try:
        body = local.respond(rest[0], dict(parse_qsl(request.query, keep_blank_values=True)))
    except ProviderError as error:
        return _problem(Refusal(error.status, "Server.ServiceFailed", error.detail), request.path)
    return ExchangeAnswer(status=200, body=body, content_type=JSON)


def _meta(
    request: ExchangeRequest, parts: list[str], client: SubsystemEntry, found: Directory
) -> ExchangeAnswer:
    provider = "/".join(parts[:4])
    services = found.services_of(provider)
    kind = parts[4]
    if kind == "getOpenAPI":
        code = dict(parse_qsl(request.query)).get("serviceCode", "")
        chosen = next((s for s in services if s.code == code), None)
        if chosen is None:
            raise Refusal(
                404, "Server.ServerProxy.UnknownService", _("No such service is published.")
            )
        return _json(chosen.openapi)
    if kind == "allowedMethods":
        services = [s for s in services if found.granted(client, s) is not None]
    return _json(
        {
            "service": [
                {
                    "service_id": s.identifier,
                    "service_code": s.code,
                    "personal_data": s.personal_data,
                    "consent_required": s.consent_required,
                }
                for s in services
            ]
        }
    )


def _json(value: Any) -> ExchangeAnswer:
    return ExchangeAnswer(status=200, body=json.dumps(value).encode(), content_type=JSON)


def _fields(body: bytes) -> list[str]:
    """The names of the top-level fields given out (of each item, for a list)."""
    try:
        value = json.loads(body)
    except ValueError:
        return []
    items = value if isinstance(value, list) else [value]
    return sorted({key for item in items if isinstance(item, dict) for key in item})


def _problem(refusal: Refusal, instance: str) -> ExchangeAnswer:
    body = {
        "type": f"urn:qyzmet:problem:exchange:{refusal.code}",
        "title": refusal.code,
        "status": refusal.status,
        "detail": refusal.detail,
        "instance": instance,
    }
    return ExchangeAnswer(
        status=refusal.status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        error=refusal.code,
    )


def _logged(request: ExchangeRequest, log: _Log, answer: ExchangeAnswer) -> ExchangeAnswer:
    try:
        record = _record(request, log, answer)
    except IntegrityError:
        # Two requests raced with one assertion: the loser is a replay, and is logged too.
        log.assertion_id = None
        answer = _problem(
            Refusal(401, "Client.ReplayedAssertion", _("This client assertion was used before.")),
            request.path,
        )
        record = _record(request, log, answer)
    headers = {
        "X-Road-Client": log.client,
        "X-Road-Service": log.service,
        "X-Road-Id": log.message_id,
        "X-Road-Request-Id": str(record.pk),
        "X-Road-Request-Hash": hash_header(log.request_hash),
    }
    if answer.error:
        headers["X-Road-Error"] = answer.error
    headers = {name: value for name, value in headers.items() if _ECHOABLE.fullmatch(value)}
    return ExchangeAnswer(
        status=answer.status,
        body=answer.body,
        content_type=answer.content_type,
        headers={**answer.headers, **headers},
        error=answer.error,
    )


def _record(request: ExchangeRequest, log: _Log, answer: ExchangeAnswer) -> ExchangeRecord:
    full = log.mode == EvidenceMode.FULL
    record = ExchangeRecord(
        at=timezone.now(),
        message_id=_text(log.message_id, 100),
        channel=request.channel,
        client=_text(log.client, 200),
        service=_text(log.service, 270),
        method=_text(request.method.upper(), 10),
        path=_text(request.path, 1000),
        user_id=_text(request.user_id, 100),
        purpose=_text(request.purpose, 64),
        issue=_text(request.issue, 200),
        subject_iin=log.subject_iin,
        own_action=log.own_action,
        fields=log.fields,
        consent=_text(log.consent, 40),
        status=answer.status,
        error=_text(answer.error, 100),
        request_hash=log.request_hash,
        response_hash=response_hash(answer.body),
        mode=log.mode,
        request_body=log.request_message if full else None,
        response_body=answer.body if full else None,
        assertion_id=log.assertion_id,
    )
    record.digest = record_digest(record)
    with transaction.atomic():
        record.save(force_insert=True)
    return record


def _text(value: str, limit: int) -> str:
    """A header or path value as the log can keep it: no NUL characters, at most ``limit``."""
    return value.replace("\x00", "\ufffd")[:limit]
