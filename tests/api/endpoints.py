"""Every /api/v1 operation, a well-formed request to it about one citizen (the subject),
and what each kind of caller must get back.

``test_access`` fails when the OpenAPI document has an operation missing here, so a new
endpoint cannot ship without its access rules written down.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from qyzmet.cases.models import Case
from qyzmet.cases.services import case_request_info, submission_digest
from qyzmet.documents.models import ShareLink
from qyzmet.exchange.models import Consent
from qyzmet.identity.models import AccessToken, Account, Membership, OfficerRole
from qyzmet.messaging.api import gateway_secret
from qyzmet.procurement.models import Tender
from qyzmet.trust.models import Certificate, Signature, SigningRequest
from tests.api.procurement_world import officer_share
from tests.api.snapshots import EDITED, Changes
from tests.api.world import APPROVAL_NOTE, REFUSAL_REASON, Holdings
from tests.exchange.world import BANK, INCOME_STATEMENT

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

API = "/api/v1"
EXCHANGE = f"{API}/exchange"

# Who calls, relative to the subject: the citizen whose records they are ("self"), the
# other citizen, an officer of agency X (internal affairs: population, vehicles), one of
# agency Y (labour: employment, benefits), the platform operator, or nobody.
ROLES = ("anonymous", "self", "other", "officer_x", "officer_y", "operator")


def role_of(persona: str, subject: str) -> str:
    if persona.startswith("citizen_"):
        return "self" if persona == f"citizen_{subject}" else "other"
    return persona


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes = b""
    query: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def json_call(method: str, path: str, payload: Any) -> Call:
    return Call(method, path, json.dumps(payload).encode())


def upload_call(path: str, **files: bytes) -> Call:
    """A multipart/form-data POST carrying each of ``files`` under its name."""
    parts = {name: SimpleUploadedFile(f"{name}.bin", data) for name, data in files.items()}
    return Call("POST", path, encode_multipart(BOUNDARY, parts), content_type=MULTIPART_CONTENT)


def send(
    client: Client, call: Call, *, token: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return client.generic(
        call.method,
        call.path,
        call.body,
        content_type=call.content_type,
        headers=sent,
        query_params=call.query or None,
    )


@dataclass(frozen=True)
class Outcome:
    status: int
    sees: bool = False  # for a 2xx answer: it shows the subject's data

    def __str__(self) -> str:
        return f"{self.status}{'+data' if self.sees else ''}"


OK = Outcome(200, sees=True)
EMPTY = Outcome(200, sees=False)  # answers, showing nothing of the subject
CREATED = Outcome(201, sees=True)
UNAUTHENTICATED = Outcome(401)
HIDDEN = Outcome(404)  # never 403: whether it exists must not leak
REFUSED = Outcome(422)  # well-formed, but not the caller's to do (e.g. someone else's key)
ACCEPTED = Outcome(202, sees=True)  # taken for processing by the workers
CONFLICT = Outcome(409)  # the caller's, but not possible in its present state
FORBIDDEN = Outcome(403)  # the caller's agency's, but a step for another role


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the path as the OpenAPI document writes it
    call: Callable[[Holdings], Call]  # a well-formed request about the subject
    shows: Callable[[Any, Holdings, Account | None], bool]  # body, subject, caller
    outcomes: tuple[Outcome, ...]  # for a session, by ROLES
    scope: str | None  # what a token needs
    unscoped: Outcome = HIDDEN  # what a token without that scope gets
    session_only: bool = False
    writes: Changes = field(default_factory=dict)  # what a 2xx answer changes
    # What a refusal records when the caller got past authentication and the scope check:
    # attempts to read a sealed bid or to open bids early are in the audit trail.
    refusal_writes: Changes = field(default_factory=dict)
    # Headers of the one caller that is no persona (the SMS operator's gateway secret):
    # sent only where a successful answer is wanted (test_openapi).
    credentials: Callable[[], dict[str, str]] = dict
    # test_openapi wants one successful answer of every operation. Where no role's call above
    # succeeds on the world as built, this brings one about (given the personas' accounts by
    # role) and says which role then makes which call.
    success: Callable[[Holdings, Mapping[str, Account]], tuple[str, Call]] | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    def outcome(self, role: str) -> Outcome:
        return self.outcomes[ROLES.index(role)]

    def token_outcome(self, role: str, *, scoped: bool) -> Outcome:
        """What a bearer token of this role gets, with or without the scope it needs."""
        if self.session_only:
            return UNAUTHENTICATED
        session = self.outcome(role)
        if scoped or self.scope is None or session == HIDDEN:
            return session
        return self.unscoped  # the scope is checked before anything else


def _token_is_callers(body: Any, subject: Holdings, caller: Account | None) -> bool:
    token = AccessToken.objects.get(public_id=body["id"])
    return (
        caller is not None and token.account_id == caller.pk and body["secret"].startswith("qzt_")
    )


def _names_the_document(body: Any, subject: Holdings, caller: Account | None) -> bool:
    """A verification report: valid, and naming the subject's registered document."""
    document = body["document"] or {}
    return body["valid"] is True and document.get("short_code") == subject.document_code


def _share_of_subject(body: Any, subject: Holdings, caller: Account | None) -> bool:
    link = ShareLink.objects.select_related("document").get(public_id=body["id"])
    return link.document.public_id == subject.document_id and "/shared/" in body["url"]


def _certificate_of_caller(body: Any, subject: Holdings, caller: Account | None) -> bool:
    certificate = Certificate.objects.get(serial=body["certificate"]["serial"])
    return caller is not None and certificate.account_id == caller.pk and bool(body["key_file"])


def _request_of_caller(body: Any, subject: Holdings, caller: Account | None) -> bool:
    request = SigningRequest.objects.get(public_id=body["id"])
    return caller is not None and request.account_id == caller.pk


def _signed_by_subject(body: Any, subject: Holdings, caller: Account | None) -> bool:
    signature = Signature.objects.select_related("certificate").get(public_id=body["id"])
    return signature.certificate.account_id == subject.account.pk


def _consent_of_caller(body: Any, subject: Holdings, caller: Account | None) -> bool:
    consent = Consent.objects.get(public_id=body["id"])
    return (
        caller is not None
        and consent.person_id == caller.person_id
        and body["party"] == BANK
        and body["status"] == "active"
    )


def _case_of_caller(body: Any, subject: Holdings, caller: Account | None) -> bool:
    case = Case.objects.get(public_id=body["id"])
    return caller is not None and case.account_id == caller.pk and body["prefilled"] != []


def _draft_signature(subject: Holdings) -> UUID:
    """The subject's signature over their draft application as it stands."""
    draft = Case.objects.get(public_id=subject.draft_case_id)
    return Signature.objects.get(content_sha256=submission_digest(draft)).public_id


def _answer_after_request(s: Holdings, accounts: Mapping[str, Account]) -> tuple[str, Call]:
    """Officer X asks the subject for more on their queued application; they answer."""
    case = Case.objects.get(public_id=s.queued_case_id)
    case_request_info(case=case, officer=accounts["officer_x"], note="A copy of your diploma.")
    return "self", json_call("POST", f"{CASES}/{s.queued_case_id}/answer", {"note": "Here."})


def _assign_by_head(s: Holdings, accounts: Mapping[str, Account]) -> tuple[str, Call]:
    """Officer X is made head of unit too, and assigns the queued application to themself."""
    officer = accounts["officer_x"]
    agency = officer.memberships.get().agency
    Membership.objects.create(account=officer, agency=agency, role=OfficerRole.HEAD)
    call = json_call("POST", f"{CASES}/{s.queued_case_id}/assign",
                     {"officer": str(officer.public_id)})  # fmt: skip
    return "officer_x", call


def _gateway_secret() -> dict[str, str]:
    return {"X-Gateway-Secret": gateway_secret()}


def _consent_give(subject: Holdings) -> Call:
    last_day = timezone.localdate() + timedelta(days=30)
    return json_call(
        "POST",
        f"{EXCHANGE}/consents",
        {
            "party": BANK,
            "services": [INCOME_STATEMENT],
            "purpose": "loan-assessment",
            "last_day": last_day.isoformat(),
        },
    )


R = "registries:read"
D, DS = "documents:read", "documents:share"
T, S = "trust:read", "signatures:submit"
XT, XR, XW = "tracker:read", "consents:read", "consents:write"
P, PAYMENTS = "payments:read", f"{API}/payments"
U, H, X = UNAUTHENTICATED, HIDDEN, REFUSED
MESSAGING = f"{API}/messaging"
CASES = f"{API}/cases"
PROGRAMMES = f"{API}/programmes"
PR, PW = "programmes:read", "programmes:write"
NEW_IBAN = "KZ241020000000000007"  # a valid account at a simulated bank (kz_iban)
CR, CW, CD = "cases:read", "cases:write", "cases:decide"
DOCUMENTS, TRUST, CATALOG = f"{API}/documents", f"{API}/trust", f"{API}/catalog"
SAMPLE_SERVICES, SAMPLE_SITUATION = (
    ["sample-appeal", "sample-certificate", "sample-registration"],
    "sample-situation",
)
PROCUREMENT = f"{API}/procurement"
BID, BUY = "procurement:bid", "procurement:buy"
F = FORBIDDEN


def caller_agency(caller: Account | None) -> str:
    membership = caller.memberships.select_related("agency").first() if caller else None
    return membership.agency.code if membership else ""


def _other_citizen(s: Holdings) -> Account:
    """The other persona citizen: the subject names them a bidder of their supplier."""
    other = Account.objects.filter(kind="citizen").exclude(pk=s.account.pk).order_by("pk").first()
    assert other is not None
    return other


def _tender_draft(s: Holdings) -> Call:
    """A draft by the caller's agency, with officer X (of agency X) as its committee."""
    officer = Account.objects.get(username="officer.x")
    return json_call("POST", f"{PROCUREMENT}/tenders", {
        "procedure": "price-quotation", "title": "Radios", "category": "goods",
        "lots": [{"title": "Radios", "cpv": "32230000-4", "cpv_description": "Radios",
                  "quantity": 5, "unit": "piece", "value": 1_000_000_00}],
        "tender_end": (timezone.now() + timedelta(days=10)).isoformat(),
        "committee": [str(officer.public_id)],
    })  # fmt: skip


def _opened_share(s: Holdings) -> str:
    tender = Tender.objects.get(public_id=s.procurement.open_id)
    key = X25519PrivateKey.from_private_bytes(s.procurement.opening_key)
    return base64.b64encode(officer_share(tender, key)).decode()


def _share_hand_in(s: Holdings) -> Call:
    path = f"{PROCUREMENT}/tenders/{s.procurement.open_id}/share"
    return json_call("POST", path, {"share": _opened_share(s)})


def _past_deadline(s: Holdings) -> None:
    """The deadline passes (as the clock would move on)."""
    Tender.objects.filter(public_id=s.procurement.open_id).update(
        tender_end=timezone.now() - timedelta(seconds=1)
    )


def _share_after_deadline(s: Holdings, accounts: Mapping[str, Account]) -> tuple[str, Call]:
    """After the deadline officer X hands in the share: the bids open."""
    _past_deadline(s)
    return "officer_x", _share_hand_in(s)


def _share_fetched_after_deadline(s: Holdings, accounts: Mapping[str, Account]) -> tuple[str, Call]:
    _past_deadline(s)
    return "officer_x", Call("GET", f"{PROCUREMENT}/tenders/{s.procurement.open_id}/share")


def _opening_key_body(s: Holdings) -> Call:
    key = X25519PrivateKey.generate().public_key().public_bytes_raw()
    return json_call("PUT", f"{PROCUREMENT}/opening-key",
                     {"public_key": base64.b64encode(key).decode()})  # fmt: skip


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", f"{API}/identity/me",
        lambda s: Call("GET", f"{API}/identity/me"),
        lambda body, s, caller: body["id"] == str(caller.public_id),
        (U, OK, OK, OK, OK, OK), scope="identity:read",
    ),
    Endpoint(
        "GET", f"{API}/identity/iin/{{iin}}",
        lambda s: Call("GET", f"{API}/identity/iin/{s.iin}"),
        lambda body, s, caller: body["iin"] == s.iin,
        (U, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{API}/identity/tokens",
        lambda s: Call("GET", f"{API}/identity/tokens"),
        lambda body, s, caller: str(s.token_id) in [t["id"] for t in body],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=None, session_only=True,
    ),
    Endpoint(
        "POST", f"{API}/identity/tokens",
        lambda s: json_call(
            "POST", f"{API}/identity/tokens", {"name": "access test", "scopes": [R]}
        ),
        _token_is_callers,
        (U, CREATED, CREATED, CREATED, CREATED, CREATED), scope=None, session_only=True,
        writes={"identity.AccessToken": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "DELETE", f"{API}/identity/tokens/{{token_id}}",
        lambda s: Call("DELETE", f"{API}/identity/tokens/{s.token_id}"),
        lambda body, s, caller: body["id"] == str(s.token_id) and body["revoked_at"] is not None,
        (U, OK, H, H, H, H), scope=None, session_only=True,
        writes={"identity.AccessToken": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{API}/registries",
        lambda s: Call("GET", f"{API}/registries"),
        lambda body, s, caller: body != [],
        (U, EMPTY, EMPTY, OK, OK, OK), scope=R, unscoped=EMPTY,
    ),
    Endpoint(
        "GET", f"{API}/registries/population/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/population/persons/{s.iin}"),
        lambda body, s, caller: body["iin"] == s.iin,
        (U, OK, H, OK, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/population/persons/{{iin}}/history",
        lambda s: Call("GET", f"{API}/registries/population/persons/{s.iin}/history"),
        lambda body, s, caller: s.person.pk in [v["data"]["person_id"] for v in body],
        (U, OK, H, OK, H, OK), scope=R,
    ),
    Endpoint(
        "POST", f"{API}/registries/population/search",
        lambda s: json_call("POST", f"{API}/registries/population/search", {"surname": s.surname}),
        lambda body, s, caller: s.iin in [r["iin"] for r in body],
        (U, OK, EMPTY, OK, EMPTY, OK), scope=R, unscoped=EMPTY,
    ),
    Endpoint(
        "GET", f"{API}/registries/families/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/families/persons/{s.iin}"),
        lambda body, s, caller: s.child_iin in [link["relative_iin"] for link in body],
        (U, OK, H, H, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/addresses/{{code}}",
        lambda s: Call("GET", f"{API}/registries/addresses/{s.address_code}"),
        lambda body, s, caller: body[-1]["code"] == s.address_code,
        (U, H, H, H, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/real-estate/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/real-estate/persons/{s.iin}"),
        lambda body, s, _: s.cadastral_number in [o["estate"]["cadastral_number"] for o in body],
        (U, OK, H, H, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/real-estate/objects/{{cadastral_number}}",
        lambda s: Call("GET", f"{API}/registries/real-estate/objects/{s.cadastral_number}"),
        lambda body, s, caller: body["cadastral_number"] == s.cadastral_number,
        (U, OK, H, H, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/vehicles/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/vehicles/persons/{s.iin}"),
        lambda body, s, caller: s.vin in [v["vin"] for v in body],
        (U, OK, H, OK, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/vehicles/{{vin}}",
        lambda s: Call("GET", f"{API}/registries/vehicles/{s.vin}"),
        lambda body, s, caller: body["vin"] == s.vin,
        (U, OK, H, OK, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/legal-entities/{{bin}}",
        lambda s: Call("GET", f"{API}/registries/legal-entities/{s.employer_bin}"),
        lambda body, s, caller: body["bin"] == s.employer_bin,
        (U, H, H, H, H, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/employment/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/employment/persons/{s.iin}"),
        lambda body, s, caller: s.employer_bin in [e["employer_bin"] for e in body["employments"]],
        (U, OK, H, H, OK, OK), scope=R,
    ),
    Endpoint(
        "GET", f"{API}/registries/benefits/persons/{{iin}}",
        lambda s: Call("GET", f"{API}/registries/benefits/persons/{s.iin}"),
        lambda body, s, caller: s.benefit_kind in [b["kind"] for b in body],
        (U, OK, H, H, OK, OK), scope=R,
    ),
    # Documents are their owner's alone: every other caller gets an empty wallet and a 404
    # for any one document, the operator too (they run the platform, not people's papers).
    Endpoint(
        "GET", DOCUMENTS,
        lambda s: Call("GET", DOCUMENTS),
        lambda body, s, caller: str(s.document_id) in [d["id"] for d in body],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=D, unscoped=EMPTY,
    ),
    # Verification is public: anyone, logged in or not, with any token or none.
    Endpoint(
        "POST", f"{DOCUMENTS}/verify",
        lambda s: upload_call(f"{DOCUMENTS}/verify", file=s.document_bytes),
        _names_the_document,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{DOCUMENTS}/verify/{{code}}",
        lambda s: Call("GET", f"{DOCUMENTS}/verify/{s.document_code.lower()}"),
        _names_the_document,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{DOCUMENTS}/{{id}}",
        lambda s: Call("GET", f"{DOCUMENTS}/{s.document_id}"),
        lambda body, s, caller: body["id"] == str(s.document_id),
        (U, OK, H, H, H, H), scope=D,
    ),
    Endpoint(
        "GET", f"{DOCUMENTS}/{{id}}/content",
        lambda s: Call("GET", f"{DOCUMENTS}/{s.document_id}/content"),  # a JSON document
        lambda body, s, caller: body["payload"]["verification_code"] == s.document_code,
        (U, OK, H, H, H, H), scope=D,
    ),
    Endpoint(
        "POST", f"{DOCUMENTS}/{{id}}/shares",
        lambda s: json_call("POST", f"{DOCUMENTS}/{s.document_id}/shares", {"lifetime_hours": 2}),
        _share_of_subject,
        (U, CREATED, H, H, H, H), scope=DS,
        writes={"documents.ShareLink": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{DOCUMENTS}/{{id}}/shares",
        lambda s: Call("GET", f"{DOCUMENTS}/{s.document_id}/shares"),
        lambda body, s, caller: str(s.share_id) in [link["id"] for link in body],
        (U, OK, H, H, H, H), scope=D,
    ),
    Endpoint(
        "DELETE", f"{DOCUMENTS}/{{id}}/shares/{{share_id}}",
        lambda s: Call("DELETE", f"{DOCUMENTS}/{s.document_id}/shares/{s.share_id}"),
        lambda body, s, caller: body["id"] == str(s.share_id) and body["revoked_at"] is not None,
        (U, OK, H, H, H, H), scope=DS,
        writes={"documents.ShareLink": EDITED, "core.AuditEntry": 1},
    ),
    # Certificates, key files and signatures: one's own. Personal signing is for citizens;
    # an officer signs for their agency, with its certificate (so a citizen's is refused).
    Endpoint(
        "GET", f"{TRUST}/certificates",
        lambda s: Call("GET", f"{TRUST}/certificates"),
        lambda body, s, caller: s.certificate_serial in [c["serial"] for c in body],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=T, unscoped=EMPTY,
    ),
    Endpoint(
        "POST", f"{TRUST}/certificates/{{serial}}/revoke",
        lambda s: json_call(
            "POST", f"{TRUST}/certificates/{s.certificate_serial}/revoke", {"reason": "superseded"}
        ),
        lambda body, s, caller: body["serial"] == s.certificate_serial and bool(body["revoked_at"]),
        (U, OK, H, H, H, H), scope=None, session_only=True,
        writes={"trust.Certificate": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{TRUST}/key-files",
        lambda s: json_call("POST", f"{TRUST}/key-files", {"password": "key file password"}),
        _certificate_of_caller,
        (U, CREATED, CREATED, H, H, H), scope=None, session_only=True,
        writes={"trust.Certificate": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{TRUST}/signing-requests",
        lambda s: json_call(
            "POST", f"{TRUST}/signing-requests",
            {"content_sha256": "ab" * 32, "description": "tenancy agreement"},
        ),
        _request_of_caller,
        (U, CREATED, CREATED, H, H, H), scope=S,
        writes={"trust.SigningRequest": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{TRUST}/signing-requests/{{id}}/confirm",
        lambda s: json_call(
            "POST", f"{TRUST}/signing-requests/{s.signing_request_id}/confirm",
            {"code": s.signing_code},
        ),
        _signed_by_subject,
        (U, OK, H, H, H, H), scope=S,
        writes={"trust.Signature": 1, "trust.SigningRequest": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{TRUST}/signatures",
        lambda s: json_call("POST", f"{TRUST}/signatures", s.key_file_signature),
        _signed_by_subject,
        (U, CREATED, X, X, X, H), scope=S,
        writes={"trust.Signature": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{TRUST}/signatures/{{id}}",
        lambda s: Call("GET", f"{TRUST}/signatures/{s.signature_id}"),
        lambda body, s, caller: body["id"] == str(s.signature_id),
        (U, OK, H, H, H, H), scope=T,
    ),
    # The data tracker and consents are the person's own: a caller who is not the subject
    # gets their own (empty of the subject's) list and a 404 for any one consent. Anyone
    # may give a consent of their own.
    Endpoint(
        "GET", f"{EXCHANGE}/tracker",
        lambda s: Call("GET", f"{EXCHANGE}/tracker"),
        lambda body, s, caller: s.exchange_issue in [a["issue"] for a in body["accesses"]],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=XT, unscoped=EMPTY,
    ),
    Endpoint(
        "GET", f"{EXCHANGE}/consents",
        lambda s: Call("GET", f"{EXCHANGE}/consents"),
        lambda body, s, caller: str(s.consent_id) in [c["id"] for c in body],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=XR, unscoped=EMPTY,
    ),
    Endpoint(
        "POST", f"{EXCHANGE}/consents",
        _consent_give,
        _consent_of_caller,
        (U, CREATED, CREATED, H, H, H), scope=XW,
        writes={"exchange.Consent": 1, "exchange.Consent_services": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{EXCHANGE}/consents/{{id}}/withdraw",
        lambda s: json_call("POST", f"{EXCHANGE}/consents/{s.consent_id}/withdraw", {}),
        lambda body, s, caller: body["id"] == str(s.consent_id) and body["status"] == "withdrawn",
        (U, OK, H, H, H, H), scope=XW,
        writes={"exchange.Consent": EDITED, "core.AuditEntry": 1},
    ),
    # State fees are their payer's alone, as documents are.
    Endpoint(
        "GET", f"{PAYMENTS}/fees",
        lambda s: Call("GET", f"{PAYMENTS}/fees"),
        lambda body, s, caller: str(s.fee_id) in [fee["id"] for fee in body],
        (U, OK, EMPTY, EMPTY, EMPTY, EMPTY), scope=P, unscoped=EMPTY,
    ),
    Endpoint(
        "GET", f"{PAYMENTS}/fees/{{id}}",
        lambda s: Call("GET", f"{PAYMENTS}/fees/{s.fee_id}"),
        lambda body, s, caller: body["id"] == str(s.fee_id),
        (U, OK, H, H, H, H), scope=P,
    ),
    # The SMS operator's gateway calls these with its shared secret; no person may.
    Endpoint(
        "POST", f"{MESSAGING}/sms/receipts",
        lambda s: json_call(
            "POST", f"{MESSAGING}/sms/receipts",
            {"provider_id": "sim-nobody", "status": "delivered", "at": "2026-03-02T10:00:00Z"},
        ),
        lambda body, s, caller: False,
        (U, U, U, U, U, U), scope=None, credentials=_gateway_secret,
    ),
    Endpoint(
        "POST", f"{MESSAGING}/sms/inbound",
        lambda s: json_call(
            "POST", f"{MESSAGING}/sms/inbound",
            {"provider_id": f"in-{s.iin}", "sender": s.account.phone, "text": "HELLO",
             "at": "2026-03-02T10:00:00Z"},
        ),
        lambda body, s, caller: False,
        (U, U, U, U, U, U), scope=None, credentials=_gateway_secret,
    ),
    # Applications: a citizen's own; an officer sees their agency's (never drafts) and acts
    # on its queue; the subject's queued application waits for internal affairs (agency X).
    Endpoint(
        "GET", CASES,
        lambda s: Call("GET", CASES),
        lambda body, s, caller: str(s.queued_case_id) in [c["id"] for c in body],
        (U, OK, EMPTY, H, H, H), scope=CR,
    ),
    Endpoint(
        "POST", CASES,
        lambda s: json_call("POST", CASES, {"service": "sample-certificate"}),
        _case_of_caller,
        (U, CREATED, CREATED, H, H, H), scope=CW,
        writes={"cases.Case": 1, "cases.CaseEvent": 2, "core.AuditEntry": 2,
                "exchange.ExchangeRecord": 1},
    ),
    Endpoint(
        "GET", f"{CASES}/queue",
        lambda s: Call("GET", f"{CASES}/queue"),
        lambda body, s, caller: str(s.queued_case_id) in [c["id"] for c in body],
        (U, H, H, OK, EMPTY, H), scope=CR,
    ),
    Endpoint(
        "GET", f"{CASES}/situations",
        lambda s: Call("GET", f"{CASES}/situations"),
        lambda body, s, caller: str(s.situation_id) in [x["id"] for x in body],
        (U, OK, EMPTY, H, H, H), scope=CR,
    ),
    Endpoint(
        "POST", f"{CASES}/situations",
        lambda s: json_call("POST", f"{CASES}/situations", {"situation": SAMPLE_SITUATION}),
        lambda body, s, caller: len(body["cases"]) == 2 and body["cases"][1]["locked"],
        (U, CREATED, CREATED, H, H, H), scope=CW,
        writes={"cases.SituationCase": 1, "cases.Case": 2, "cases.CaseEvent": 2,
                "core.AuditEntry": 3},
    ),
    Endpoint(
        "GET", f"{CASES}/situations/{{id}}",
        lambda s: Call("GET", f"{CASES}/situations/{s.situation_id}"),
        lambda body, s, caller: body["id"] == str(s.situation_id),
        (U, OK, H, H, H, H), scope=CR,
    ),
    Endpoint(
        "GET", f"{CASES}/{{id}}",
        lambda s: Call("GET", f"{CASES}/{s.queued_case_id}"),
        lambda body, s, caller: body["id"] == str(s.queued_case_id),
        (U, OK, H, OK, H, H), scope=CR,
    ),
    Endpoint(
        "GET", f"{CASES}/{{id}}/eligibility",
        lambda s: Call("GET", f"{CASES}/{s.draft_case_id}/eligibility"),
        lambda body, s, caller: body["eligible"] is True,
        (U, OK, H, H, H, H), scope=CR,
    ),
    Endpoint(
        "PATCH", f"{CASES}/{{id}}",
        lambda s: json_call(
            "PATCH", f"{CASES}/{s.draft_case_id}", {"answers": {"reason": "study"}}
        ),
        lambda body, s, caller: body["answers"]["reason"] == "study",
        (U, OK, H, H, H, H), scope=CW,
        writes={"cases.Case": EDITED},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/fee",
        lambda s: json_call("POST", f"{CASES}/{s.draft_case_id}/fee", {}),
        lambda body, s, caller: body["status"] == "paid",
        (U, CREATED, H, H, H, H), scope=CW,
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/submit",
        lambda s: json_call("POST", f"{CASES}/{s.draft_case_id}/submit",
                            {"signature": str(_draft_signature(s))}),
        lambda body, s, caller: body["status"] == "submitted",
        (U, ACCEPTED, H, H, H, H), scope=CW,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 1,
                "django_tasks_database.DBTaskResult": 1},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/answer",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/answer", {"note": "Here."}),
        lambda body, s, caller: False,
        (U, CONFLICT, H, H, H, H), scope=CW,  # nothing was asked of the applicant
        success=_answer_after_request,
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/withdraw",
        lambda s: json_call("POST", f"{CASES}/{s.draft_case_id}/withdraw", {}),
        lambda body, s, caller: body["status"] == "withdrawn",
        (U, OK, H, H, H, H), scope=CW,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/claim",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/claim", {}),
        lambda body, s, caller: body["id"] == str(s.queued_case_id),
        (U, H, H, OK, H, H), scope=CD,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/assign",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/assign",
                            {"officer": str(s.account.public_id)}),
        lambda body, s, caller: False,
        (U, H, H, FORBIDDEN, H, H), scope=CD,  # a head of unit assigns; officer X reviews
        success=_assign_by_head,
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/decision-digest",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/decision-digest",
                            {"decision": "approve", "text": APPROVAL_NOTE}),
        lambda body, s, caller: len(body["sha256"]) == 64,
        (U, H, H, OK, H, H), scope=CD,
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/approve",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/approve",
                            {"note": APPROVAL_NOTE, "signature": str(s.approval_signature_id)}),
        lambda body, s, caller: body["steps"][1]["current"],
        (U, H, H, OK, H, H), scope=CD,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 1,
                "django_tasks_database.DBTaskResult": 1},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/refuse",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/refuse",
                            {"reason": REFUSAL_REASON, "signature": str(s.refusal_signature_id)}),
        lambda body, s, caller: body["status"] == "refused",
        (U, H, H, OK, H, H), scope=CD,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 2,
                "messaging.Notification": 1, "django_tasks_database.DBTaskResult": 1},
    ),
    Endpoint(
        "POST", f"{CASES}/{{id}}/request-info",
        lambda s: json_call("POST", f"{CASES}/{s.queued_case_id}/request-info",
                            {"note": "A copy of your diploma."}),
        lambda body, s, caller: body["clock_stopped"] is True,
        (U, H, H, OK, H, H), scope=CD,
        writes={"cases.Case": EDITED, "cases.CaseEvent": 1, "core.AuditEntry": 2,
                "messaging.Notification": 1, "django_tasks_database.DBTaskResult": 1},
    ),
    # Programmes: the list is public; a citizen's offers are theirs alone. The subject has
    # an offer of sample-aid waiting for an answer, and none of sample-grant; everyone
    # has a payout account, so an acceptance makes its payment order.
    Endpoint(
        "GET", PROGRAMMES,
        lambda s: Call("GET", PROGRAMMES),
        lambda body, s, caller: [p["code"] for p in body]
        == ["sample-aid", "sample-grant", "sample-relief"],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{PROGRAMMES}/offers",
        lambda s: Call("GET", f"{PROGRAMMES}/offers"),
        lambda body, s, caller: sorted(o["programme"] for o in body)
        == ["sample-aid", "sample-relief"],
        (U, OK, EMPTY, H, H, H), scope=PR,
    ),
    Endpoint(
        "GET", f"{PROGRAMMES}/{{code}}/offer",
        lambda s: Call("GET", f"{PROGRAMMES}/sample-aid/offer"),
        lambda body, s, caller: body["status"] == "offered",
        (U, OK, H, H, H, H), scope=PR,
    ),
    Endpoint(
        "POST", f"{PROGRAMMES}/{{code}}/apply",
        lambda s: json_call("POST", f"{PROGRAMMES}/sample-grant/apply", {}),
        lambda body, s, caller: caller is not None and caller.person_id == s.person.pk
        and body["status"] == "accepted" and body["payment"]["status"] == "filed",
        (U, OK, EMPTY, H, H, H), scope=PW,  # another citizen applies for themselves
        writes={"programmes.Offer": 1, "rules.Decision": 1, "core.AuditEntry": 2,
                "payments.PaymentOrder": 1, "payments.Disbursement": EDITED,
                "payments.BankFile": 1},  # the order goes into a new open file
    ),
    Endpoint(
        "POST", f"{PROGRAMMES}/{{code}}/offer/answer",
        lambda s: json_call("POST", f"{PROGRAMMES}/sample-aid/offer/answer", {"accept": True}),
        lambda body, s, caller: body["status"] == "accepted" and body["payment"]["amount"] > 0,
        (U, OK, H, H, H, H), scope=PW,
        writes={"programmes.Offer": EDITED, "core.AuditEntry": 1, "payments.PaymentOrder": 1,
                "payments.Disbursement": EDITED, "payments.BankFile": 1},
    ),
    Endpoint(
        "POST", f"{PROGRAMMES}/{{code}}/appeal",
        lambda s: json_call("POST", f"{PROGRAMMES}/sample-relief/appeal",
                            {"grounds": "The registries have not caught up with my case."}),
        lambda body, s, caller: body["status"] == "refused"
        and body["appeal_status"] == "submitted",
        (U, CREATED, H, H, H, H), scope=PW,
        writes={"cases.Case": 1, "cases.CaseEvent": 2, "core.AuditEntry": 3,
                "programmes.Offer": EDITED, "django_tasks_database.DBTaskResult": 1},
    ),
    Endpoint(
        "PUT", f"{PAYMENTS}/payout-account",
        lambda s: json_call("PUT", f"{PAYMENTS}/payout-account",
                            {"iban": NEW_IBAN, "bic": "ORDAKZKA"}),
        lambda body, s, caller: caller is not None and caller.person_id == s.person.pk
        and body["iban"] == NEW_IBAN,
        (U, OK, EMPTY, H, H, H), scope="payments:write",  # another citizen: their own
        writes={"payments.PayoutAccount": 1, "core.AuditEntry": 2, "messaging.Notification": 1,
                "django_tasks_database.DBTaskResult": 1},  # the person is texted
    ),
    # The catalogue is public: the same for anyone, logged in or not.
    Endpoint(
        "GET", f"{CATALOG}/services",
        lambda s: Call("GET", f"{CATALOG}/services"),
        lambda body, s, caller: [service["code"] for service in body] == SAMPLE_SERVICES,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{CATALOG}/services/{{code}}",
        lambda s: Call("GET", f"{CATALOG}/services/{SAMPLE_SERVICES[0]}"),
        lambda body, s, caller: body["form"]["answers"]["additionalProperties"] is False,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{CATALOG}/life-situations",
        lambda s: Call("GET", f"{CATALOG}/life-situations"),
        lambda body, s, caller: [situation["code"] for situation in body] == [SAMPLE_SITUATION],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{CATALOG}/life-situations/{{code}}",
        lambda s: Call("GET", f"{CATALOG}/life-situations/{SAMPLE_SITUATION}"),
        lambda body, s, caller: len(body["steps"]) == 2,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    # Public procurement: the subject heads a registered supplier; agency X buys, and its
    # officer is the whole committee (tests/api/procurement_world.py). Tenders, awards,
    # contracts and the open data are public; bids are their bidder's until opening.
    Endpoint(
        "POST", f"{PROCUREMENT}/suppliers",
        lambda s: json_call("POST", f"{PROCUREMENT}/suppliers", {"bin": s.procurement.spare_bin}),
        lambda body, s, caller: body["bin"] == s.procurement.spare_bin,
        (U, CREATED, F, F, F, F), scope=BID,  # the registry names the subject its head
        writes={"procurement.Supplier": 1, "procurement.SupplierRepresentative": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/suppliers/{{bin}}/representatives",
        lambda s: json_call(
            "POST", f"{PROCUREMENT}/suppliers/{s.procurement.supplier_bin}/representatives",
            {"account": str(_other_citizen(s).public_id), "role": "bidder"}),
        lambda body, s, caller: body["role"] == "bidder",
        (U, CREATED, F, F, F, F), scope=BID,  # the subject is its signatory
        writes={"procurement.SupplierRepresentative": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/plans/items",
        lambda s: json_call("POST", f"{PROCUREMENT}/plans/items", {
            "year": timezone.localdate().year, "quarter": 4, "title": "Printers",
            "cpv": "30232110-8", "cpv_description": "Laser printers", "quantity": 3,
            "unit": "piece", "budget": 900_000_00, "procedure": "price-quotation",
            "rationale": "Old ones broke"}),
        lambda body, s, caller: body["buyer"] == caller_agency(caller) and body["tender"] is None,
        (U, H, H, CREATED, CREATED, H), scope=BUY,
        writes={"procurement.PlanItem": 1, "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/plans/items",
        lambda s: Call("GET", f"{PROCUREMENT}/plans/items"),
        lambda body, s, caller: str(s.procurement.plan_item_id) in [i["id"] for i in body],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders",
        _tender_draft,
        lambda body, s, caller: body["stage"] == "draft" and body["buyer"] == caller_agency(caller),
        (U, H, H, CREATED, X, H), scope=BUY,  # officer Y may not seat officer X
        writes={"procurement.Tender": 1, "procurement.Lot": 1,
                "procurement.CommitteeMember": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/publish",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.draft_id}/publish", {}),
        lambda body, s, caller: body["stage"] == "tendering",
        (U, H, H, OK, H, H), scope=BUY,
        writes={"procurement.Tender": EDITED, "procurement.CommitteeMember": EDITED,
                "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/amend",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.open_id}/amend",
                            {"title": "Handheld radios", "rationale": "Clearer title"}),
        lambda body, s, caller: body["amendments"] == 2,
        (U, H, H, OK, H, H), scope=BUY,
        writes={"procurement.Tender": EDITED, "procurement.TenderAmendment": 1,
                "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/cancel",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.open_id}/cancel",
                            {"reason": "No longer needed"}),
        lambda body, s, caller: body["stage"] == "cancelled",
        (U, H, H, OK, H, H), scope=BUY,
        writes={"procurement.Tender": EDITED, "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/tenders",
        lambda s: Call("GET", f"{PROCUREMENT}/tenders"),
        lambda body, s, caller: str(s.procurement.open_id) in [t["id"] for t in body],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/tenders/{{id}}",
        lambda s: Call("GET", f"{PROCUREMENT}/tenders/{s.procurement.open_id}"),
        lambda body, s, caller: body["ocid"] == s.procurement.open_ocid,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/bids",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.fresh_id}/bids",
                            {"supplier": s.procurement.supplier_bin, "prices": {"1": 1_000_00}}),
        lambda body, s, caller: body["supplier"] == s.procurement.supplier_bin
        and "prices" not in body,
        (U, CREATED, H, H, H, H), scope=BID,
        writes={"procurement.Bid": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/bids/{{id}}",
        lambda s: Call("GET", f"{PROCUREMENT}/bids/{s.procurement.bid_id}"),
        lambda body, s, caller: body["id"] == str(s.procurement.bid_id) and "prices" not in body,
        (U, OK, H, H, H, H), scope=BID, unscoped=OK,  # read with either procurement scope
        writes={"core.AuditEntry": 1}, refusal_writes={"core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/bids/{{id}}/confirm",
        lambda s: json_call("POST", f"{PROCUREMENT}/bids/{s.procurement.bid_id}/confirm", {}),
        lambda body, s, caller: body["status"] == "submitted",
        (U, OK, H, H, H, H), scope=BID,
        writes={"procurement.Bid": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/bids/{{id}}/withdraw",
        lambda s: json_call("POST", f"{PROCUREMENT}/bids/{s.procurement.bid_id}/withdraw", {}),
        lambda body, s, caller: body["status"] == "withdrawn",
        (U, OK, H, H, H, H), scope=BID,
        writes={"procurement.Bid": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/bids/{{id}}/auction",
        lambda s: json_call("POST", f"{PROCUREMENT}/bids/{s.procurement.auction_bid_id}/auction",
                            {"lot": 1, "price": 4_100_000_00}),
        lambda body, s, caller: body == {"lot": 1, "round": 1, "price": 4_100_000_00},
        (U, CREATED, H, H, H, H), scope=BID,
        writes={"procurement.AuctionStep": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/tenders/{{id}}/share",
        lambda s: Call("GET", f"{PROCUREMENT}/tenders/{s.procurement.open_id}/share"),
        lambda body, s, caller: bool(body["sealed_share"]),
        (U, H, H, CONFLICT, H, H), scope=BUY,  # given out after the deadline only
        success=_share_fetched_after_deadline,
    ),
    Endpoint(
        "PUT", f"{PROCUREMENT}/opening-key",
        _opening_key_body,
        lambda body, s, caller: len(body["sha256"]) == 64,
        (U, H, H, OK, OK, H), scope=BUY,  # officers only (both have one: it is replaced)
        writes={"procurement.OpeningKey": EDITED, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/share",
        _share_hand_in,
        lambda body, s, caller: body["opened_at"] is not None,
        (U, H, H, CONFLICT, H, H), scope=BUY,  # before the deadline, even for the committee
        refusal_writes={"core.AuditEntry": 1}, success=_share_after_deadline,
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/scores",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.scoring_id}/scores",
                            {"scores": {str(s.procurement.scoring_bid_id): 80}}),
        lambda body, s, caller: body["stage"] == "qualification",
        (U, F, F, OK, F, F), scope=BUY,
        writes={"procurement.Bid": EDITED, "procurement.Award": 1, "procurement.Release": 1,
                "core.AuditEntry": 2},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/tenders/{{id}}/awards",
        lambda s: Call("GET", f"{PROCUREMENT}/tenders/{s.procurement.opened_id}/awards"),
        lambda body, s, caller: [a["id"] for a in body] == [str(s.procurement.award_id)],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/awards/{{id}}/qualify",
        lambda s: json_call("POST", f"{PROCUREMENT}/awards/{s.procurement.award_id}/qualify",
                            {"qualified": True}),
        lambda body, s, caller: body["status"] == "active",
        (U, F, F, OK, F, F), scope=BUY,
        writes={"procurement.Award": EDITED, "procurement.Tender": EDITED,
                "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/tenders/{{id}}/complaints",
        lambda s: json_call("POST", f"{PROCUREMENT}/tenders/{s.procurement.opened_id}/complaints",
                            {"supplier": s.procurement.supplier_bin, "kind": "complaint",
                             "title": "Unfair", "text": "The criteria changed."}),
        lambda body, s, caller: body["status"] == "pending",
        (U, CREATED, H, H, H, H), scope=BID,
        writes={"procurement.Complaint": 1, "procurement.Release": 1, "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/complaints/{{id}}/decide",
        lambda s: json_call("POST", f"{PROCUREMENT}/complaints/{s.procurement.claim_id}/decide",
                            {"resolution": "The band is VHF."}),
        lambda body, s, caller: body["status"] == "answered",
        (U, F, F, OK, F, F), scope=BUY,  # a claim: the buyer answers it
        writes={"procurement.Complaint": EDITED, "procurement.Release": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/tenders/{{id}}/contracts",
        lambda s: Call(
            "GET", f"{PROCUREMENT}/tenders/{s.procurement.contract_tender_id}/contracts"
        ),
        lambda body, s, caller: [c["id"] for c in body] == [str(s.procurement.contract_id)],
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/contracts/{{id}}/sign",
        lambda s: json_call("POST", f"{PROCUREMENT}/contracts/{s.procurement.contract_id}/sign",
                            {"signature": s.procurement.contract_signature}),
        lambda body, s, caller: body["signed_by_supplier"] and body["status"] == "pending",
        # Either procurement scope signs (the side is the caller's); officer X signs only
        # with their own key.
        (U, OK, F, X, F, F), scope=None,
        writes={"procurement.Contract": EDITED, "procurement.Release": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/contracts/{{id}}/milestones",
        lambda s: json_call(
            "POST", f"{PROCUREMENT}/contracts/{s.procurement.active_contract_id}/milestones",
            {"title": "Delivery", "due": (timezone.now() + timedelta(days=30)).isoformat()}),
        lambda body, s, caller: [m["title"] for m in body["milestones"]] == ["Delivery"],
        (U, F, F, OK, F, F), scope=BUY,
        writes={"procurement.Contract": EDITED, "procurement.Release": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/contracts/{{id}}/amend",
        lambda s: json_call(
            "POST", f"{PROCUREMENT}/contracts/{s.procurement.active_contract_id}/amend",
            {"value": 4_000_000_00, "rationale": "Fewer radios"}),
        lambda body, s, caller: body["value"] == 4_000_000_00,
        (U, F, F, OK, F, F), scope=BUY,
        writes={"procurement.Contract": EDITED, "procurement.Release": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "POST", f"{PROCUREMENT}/contracts/{{id}}/end",
        lambda s: json_call(
            "POST", f"{PROCUREMENT}/contracts/{s.procurement.active_contract_id}/end",
            {"fulfilled": True}),
        lambda body, s, caller: body["status"] == "complete",
        (U, F, F, OK, F, F), scope=BUY,
        writes={"procurement.Contract": EDITED, "procurement.Release": 1,
                "core.AuditEntry": 1},
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/releases",
        lambda s: Call("GET", f"{PROCUREMENT}/releases", query={"limit": "1000"}),
        lambda body, s, caller: s.procurement.open_ocid in {r["ocid"] for r in body["releases"]},
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/records/{{ocid}}",
        lambda s: Call("GET", f"{PROCUREMENT}/records/{s.procurement.open_ocid}"),
        lambda body, s, caller: body["records"][0]["ocid"] == s.procurement.open_ocid,
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
    Endpoint(
        "GET", f"{PROCUREMENT}/export",
        lambda s: Call("GET", f"{PROCUREMENT}/export"),
        lambda body, s, caller: s.procurement.open_ocid in {r["ocid"] for r in body["releases"]},
        (OK, OK, OK, OK, OK, OK), scope=None,
    ),
)  # fmt: skip

BY_KEY = {endpoint.key: endpoint for endpoint in ENDPOINTS}
