"""Bad input to every endpoint: always a 4xx problem+json, never a 500 or HTML, and the
database untouched. Run as the operator (whom no permission stops) and as anonymous.

Every documented path is also sent each method it does not take, so a new endpoint is
swept at least that far without anyone adding it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote
from uuid import uuid4

import pytest
from django.conf import settings

from tests.api.endpoints import API, ENDPOINTS, Call, json_call, send, upload_call
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.api.world import World
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

UNREGISTERED_IIN = "770101312349"  # valid, but nobody has it
UNREGISTERED_BIN = "010140777770"
UNREGISTERED_VIN = "WVWZZZ1JZXW000000"
TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
MAX_UPLOAD = 20 * 1024 * 1024  # what /documents/verify takes per file

Builder = Callable[[World], Call]


@dataclass(frozen=True)
class Bad:
    name: str
    call: Builder
    status: int  # for the operator
    headers: dict[str, str] = field(default_factory=dict)
    routing: bool = False  # refused by routing (no such path or method), before authentication
    public: bool = False  # an endpoint anyone may call: anonymous gets the operator's answer

    @property
    def anonymous_status(self) -> int:
        return self.status if self.routing or self.public else 401


def _other_check_digit(number: str) -> str:
    return number[:11] + str((int(number[11]) + 1) % 10)


# Ways to get an IIN wrong; the last digit is the check digit, the 7th century and sex.
IIN_VARIANTS: list[tuple[str, Callable[[str], str]]] = [
    ("wrong check digit", _other_check_digit),
    ("11 digits", lambda iin: iin[:11]),
    ("13 digits", lambda iin: iin + "0"),
    ("letters", lambda iin: "ABCDEFGHIJKL"),
    ("digits and a letter", lambda iin: iin[:11] + "X"),
    ("month 13", lambda iin: iin[:2] + "13" + iin[4:]),
    ("7th digit 0", lambda iin: iin[:6] + "0" + iin[7:]),
    ("arabic-indic digits", lambda iin: quote("١٢٣٤٥٦٧٨٩٠١٢")),
    ("leading space", lambda iin: quote(" " + iin[1:])),
]
BIN_VARIANTS: list[tuple[str, Callable[[str], str]]] = [
    ("wrong check digit", _other_check_digit),
    ("11 digits", lambda bin_: bin_[:11]),
    ("letters", lambda bin_: "ABCDEFGHIJKL"),
    ("month 13", lambda bin_: bin_[:2] + "13" + bin_[4:]),
    ("entity kind 9", lambda bin_: bin_[:4] + "9" + bin_[5:]),
]
PERSON_PATHS = [
    "identity/iin/{}",
    "registries/population/persons/{}",
    "registries/population/persons/{}/history",
    "registries/families/persons/{}",
    "registries/real-estate/persons/{}",
    "registries/vehicles/persons/{}",
    "registries/employment/persons/{}",
    "registries/benefits/persons/{}",
]
SEARCH = f"{API}/registries/population/search"
TOKENS = f"{API}/identity/tokens"
TOKEN: dict[str, object] = {"name": "t", "scopes": ["identity:read"]}  # a valid request
DOCUMENTS, TRUST = f"{API}/documents", f"{API}/trust"
VERIFY = f"{DOCUMENTS}/verify"
SHARE: dict[str, object] = {"lifetime_hours": 24}
SIGNING_REQUESTS = f"{TRUST}/signing-requests"
SIGNING: dict[str, object] = {"content_sha256": "ab" * 32, "description": "lease"}
KEY_FILES = f"{TRUST}/key-files"
KEY_FILE: dict[str, object] = {"password": "long enough"}
SIGNATURES = f"{TRUST}/signatures"


def _get(path: str, **query: str) -> Builder:
    return lambda w: Call("GET", f"{API}/{path}", query=query)


def _about_a(template: str, wrong: Callable[[str], str] = str, **query: str) -> Builder:
    return lambda w: Call("GET", f"{API}/{template.format(wrong(w.a.iin))}", query=query)


def _employer_of_a(template: str, wrong: Callable[[str], str]) -> Builder:
    return lambda w: Call("GET", f"{API}/{template.format(wrong(w.a.employer_bin))}")


def _send(method: str, path: str) -> Builder:
    return lambda w: Call(method, path)


def _raw(path: str, body: bytes, content_type: str = "application/json") -> Builder:
    return lambda w: Call("POST", path, body, content_type=content_type)


def _json(path: str, payload: object) -> Builder:
    return lambda w: json_call("POST", path, payload)


def _shares_of_a(suffix: str = "") -> str:
    """Where citizen A's document's share links are; the builder fills in the id."""
    return f"{DOCUMENTS}/{{document_id}}/shares{suffix}"


def _about_a_body(template: str, payload: object, method: str = "POST") -> Builder:
    """``payload`` to a path naming one of citizen A's things (``{document_id}`` etc.)."""
    return lambda w: json_call(method, template.format(**vars(w.a)), payload)


def _signature(change: dict[str, object]) -> Builder:
    """Citizen A's well-formed key-file signature with some fields changed."""
    return lambda w: json_call("POST", SIGNATURES, {**w.a.key_file_signature, **change})


def _identifiers() -> list[Bad]:
    cases: list[Bad] = []
    for template in PERSON_PATHS:
        for label, wrong in IIN_VARIANTS:
            cases.append(Bad(f"{template} {label}", _about_a(template, wrong), 422))
        if not template.startswith("identity/"):  # the checker answers for any valid IIN
            nobody = _get(template.format(UNREGISTERED_IIN))
            cases.append(Bad(f"{template} unregistered", nobody, 404))

    legal = "registries/legal-entities/{}"
    for label, wrong in BIN_VARIANTS:
        cases.append(Bad(f"{legal} {label}", _employer_of_a(legal, wrong), 422))
    cases.append(Bad(f"{legal} unregistered", _get(legal.format(UNREGISTERED_BIN)), 404))

    address, vehicle, estate = (
        "registries/addresses",
        "registries/vehicles",
        "registries/real-estate",
    )
    return [
        *cases,
        Bad("address code letters", _get(f"{address}/abc"), 422),
        Bad("address code fraction", _get(f"{address}/1.5"), 422),
        Bad("address code nobody has", _get(f"{address}/424242"), 404),
        Bad("address code beyond bigint", _get(f"{address}/" + "9" * 30), 404),
        Bad("address code negative", _get(f"{address}/-1"), 404),
        Bad("vin nobody has", _get(f"{vehicle}/{UNREGISTERED_VIN}"), 404),
        Bad("vin 18 characters", _get(f"{vehicle}/{UNREGISTERED_VIN}0"), 422),
        Bad("vin with NUL", _get(f"{vehicle}/WVW%00"), 422),
        Bad("vin with newline", _get(f"{vehicle}/WVW%0A1"), 422),
        Bad("cadastral number nobody has", _get(f"{estate}/objects/00-000-000-0000"), 404),
        Bad("cadastral number too long", _get(f"{estate}/objects/" + "1" * 21), 422),
        Bad("cadastral number with NUL", _get(f"{estate}/objects/21%00"), 422),
        Bad("token id not a uuid", lambda w: Call("DELETE", f"{TOKENS}/nope"), 422),
        Bad("token id nobody has", lambda w: Call("DELETE", f"{TOKENS}/{uuid4()}"), 404),
        Bad(
            "token id of another account",
            lambda w: Call("DELETE", f"{TOKENS}/{w.a.token_id}"),
            404,
        ),
        *_document_identifiers(),
        *_trust_identifiers(),
    ]


def _document_identifiers() -> list[Bad]:
    nobody = uuid4()
    of_a = "documents/{}"
    return [
        Bad("document id not a uuid", _get("documents/nope"), 422),
        Bad("document id nobody has", _get(f"documents/{nobody}"), 404),
        Bad("document of citizen A", lambda w: Call("GET", f"{DOCUMENTS}/{w.a.document_id}"), 404),
        Bad("content id not a uuid", _get("documents/nope/content"), 422),
        Bad("content id nobody has", _get(f"documents/{nobody}/content"), 404),
        Bad(
            "content of citizen A",
            lambda w: Call("GET", f"{API}/{of_a.format(w.a.document_id)}/content"),
            404,
        ),
        Bad("shares of a document nobody has", _get(f"documents/{nobody}/shares"), 404),
        Bad(
            "shares of citizen A",
            lambda w: Call("GET", f"{DOCUMENTS}/{w.a.document_id}/shares"),
            404,
        ),
        Bad("share for citizen A", _about_a_body(_shares_of_a(), SHARE), 404),
        Bad(
            "share id not a uuid",
            lambda w: Call("DELETE", f"{DOCUMENTS}/{w.a.document_id}/shares/nope"),
            422,
        ),
        Bad(
            "share id nobody has",
            lambda w: Call("DELETE", f"{DOCUMENTS}/{w.a.document_id}/shares/{nobody}"),
            404,
        ),
        Bad(
            "share of citizen A revoked",
            lambda w: Call("DELETE", f"{DOCUMENTS}/{w.a.document_id}/shares/{w.a.share_id}"),
            404,
        ),
        Bad(
            "share of citizen A under another document",
            lambda w: Call("DELETE", f"{DOCUMENTS}/{w.b.document_id}/shares/{w.a.share_id}"),
            404,
        ),
        Bad("verify code nobody has", _get("documents/verify/0000-0000-0000"), 404, public=True),
        Bad("verify code too short", _get("documents/verify/ABCD-EFGH"), 422, public=True),
        Bad("verify code with U", _get("documents/verify/UUUU-UUUU-UUUU"), 422, public=True),
        Bad("verify code too long", _get("documents/verify/" + "0" * 41), 422, public=True),
        Bad("verify code with NUL", _get("documents/verify/0000%000000000"), 422, public=True),
        Bad("verify code non-ascii", _get("documents/verify/" + quote("ДДДД")), 422, public=True),
    ]


def _trust_identifiers() -> list[Bad]:
    nobody = uuid4()
    revoke = f"{TRUST}/certificates/{{}}/revoke"
    reason = {"reason": "superseded"}
    return [
        Bad("serial not hex", _json(revoke.format("xyz"), reason), 422),
        Bad("serial too long", _json(revoke.format("a" * 41), reason), 422),
        Bad("serial nobody has", _json(revoke.format("abc123"), reason), 404),
        Bad(
            "serial of citizen A",
            lambda w: json_call("POST", revoke.format(w.a.certificate_serial), reason),
            404,
        ),
        Bad(
            "signing request id not a uuid",
            _json(f"{SIGNING_REQUESTS}/nope/confirm", {"code": "123456"}),
            422,
        ),
        Bad(
            "signing request id nobody has",
            _json(f"{SIGNING_REQUESTS}/{nobody}/confirm", {"code": "123456"}),
            404,
        ),
        Bad(
            "signing request of citizen A",
            lambda w: json_call(
                "POST",
                f"{SIGNING_REQUESTS}/{w.a.signing_request_id}/confirm",
                {"code": w.a.signing_code},
            ),
            404,
        ),
        Bad("signature id not a uuid", _get("trust/signatures/nope"), 422),
        Bad("signature id nobody has", _get(f"trust/signatures/{nobody}"), 404),
        Bad(
            "signature of citizen A",
            lambda w: Call("GET", f"{TRUST}/signatures/{w.a.signature_id}"),
            404,
        ),
    ]


def _queries() -> list[Bad]:
    person = "registries/population/persons/{}"
    employment = "registries/employment/persons/{}"
    moment = "2020-01-01T00:00:00Z"
    return [
        Bad("as_of not a time", _about_a(person, as_of="yesterday"), 422),
        Bad("as_of without offset", _about_a(person, as_of="2020-01-01T00:00:00"), 422),
        Bad("as_of before the record", _about_a(person, as_of="1900-01-01T00:00:00Z"), 404),
        Bad("as_of misspelt", _about_a(person, asof=moment), 422),
        Bad("as_of and an unknown parameter", _about_a(person, as_of=moment, x="1"), 422),
        Bad("since not a date", _about_a(employment, since="yesterday"), 422),
        Bad("since month 13", _about_a(employment, since="2026-13-01"), 422),
        Bad("since misspelt", _about_a(employment, sinse="2026-01-01"), 422),
    ]


def _bodies() -> list[Bad]:
    cases: list[Bad] = []
    form, multipart = "application/x-www-form-urlencoded", "multipart/form-data; boundary=z"
    valid_bodies: list[tuple[str, dict[str, object]]] = [
        (SEARCH, {"surname": "Abenov"}),
        (TOKENS, TOKEN),
        (f"{DOCUMENTS}/00000000-0000-0000-0000-000000000000/shares", SHARE),
        (f"{TRUST}/certificates/abc/revoke", {"reason": "superseded"}),
        (KEY_FILES, KEY_FILE),
        (SIGNING_REQUESTS, SIGNING),
        (f"{SIGNING_REQUESTS}/00000000-0000-0000-0000-000000000000/confirm", {"code": "123456"}),
        (SIGNATURES, {"algorithm": "ES256"}),
    ]
    for path, valid in valid_bodies:
        short = path.rsplit("/", 1)[1]
        cases += [
            Bad(f"{short} malformed JSON", _raw(path, b'{"surname": '), 400),
            Bad(f"{short} not UTF-8", _raw(path, b'{"name": "\xff\xfe"}'), 400),
            Bad(f"{short} nested too deep", _raw(path, b"[" * 100_000), 400),
            Bad(f"{short} form-encoded", _raw(path, b"surname=x", form), 400),
            Bad(f"{short} multipart", _raw(path, b"--z\r\n\r\nx\r\n--z--", multipart), 400),
            Bad(f"{short} array", _raw(path, b"[1, 2]"), 422),
            Bad(f"{short} string", _raw(path, b'"Abenov"'), 422),
            Bad(f"{short} number", _raw(path, b"42"), 422),
            Bad(f"{short} null", _raw(path, b"null"), 422),
            Bad(f"{short} empty", _raw(path, b""), 422),
            Bad(f"{short} unknown field", _json(path, {**valid, "admin": True}), 422),
            Bad(f"{short} too big", _json(path, {**valid, "pad": "x" * TOO_BIG}), 413),
        ]
    return [
        *cases,
        Bad("search limit not a number", _json(SEARCH, {"surname": "A", "limit": "lots"}), 422),
        Bad("search limit 0", _json(SEARCH, {"surname": "A", "limit": 0}), 422),
        Bad("search limit 101", _json(SEARCH, {"surname": "A", "limit": 101}), 422),
        Bad("search limit NaN", _raw(SEARCH, b'{"surname": "A", "limit": NaN}'), 422),
        Bad("search birth_date not a date", _json(SEARCH, {"birth_date": "yesterday"}), 422),
        Bad("search surname a number", _json(SEARCH, {"surname": 5}), 422),
        Bad("search surname empty", _json(SEARCH, {"surname": ""}), 422),
        Bad("search surname too long", _json(SEARCH, {"surname": "A" * 81}), 422),
        Bad("search surname with NUL", _json(SEARCH, {"surname": "Abe\u0000nov"}), 422),
        Bad("search surname lone surrogate", _raw(SEARCH, b'{"surname": "\\ud800"}'), 422),
        Bad("search without criteria", _json(SEARCH, {"limit": 5}), 422),
        Bad("token scopes a number", _json(TOKENS, {**TOKEN, "scopes": 5}), 422),
        Bad("token scopes empty", _json(TOKENS, {**TOKEN, "scopes": []}), 422),
        Bad("token scope unknown", _json(TOKENS, {**TOKEN, "scopes": ["everything"]}), 422),
        Bad("token name missing", _json(TOKENS, {"scopes": ["identity:read"]}), 422),
        Bad("token name a number", _json(TOKENS, {**TOKEN, "name": 5}), 422),
        Bad("token name empty", _json(TOKENS, {**TOKEN, "name": ""}), 422),
        Bad("token name too long", _json(TOKENS, {**TOKEN, "name": "n" * 101}), 422),
        Bad("token name with NUL", _json(TOKENS, {**TOKEN, "name": "a\u0000"}), 422),
        Bad("token lifetime words", _json(TOKENS, {**TOKEN, "expires_in_days": "soon"}), 422),
        Bad("token lifetime fraction", _json(TOKENS, {**TOKEN, "expires_in_days": 1.5}), 422),
        Bad("token lifetime 0", _json(TOKENS, {**TOKEN, "expires_in_days": 0}), 422),
        Bad("token lifetime 366", _json(TOKENS, {**TOKEN, "expires_in_days": 366}), 422),
        *_document_bodies(),
        *_trust_bodies(),
    ]


def _document_bodies() -> list[Bad]:
    shares = _shares_of_a()
    multipart = "multipart/form-data; boundary=z"
    return [
        Bad("share lifetime missing", _about_a_body(shares, {}), 422),
        Bad("share lifetime 0", _about_a_body(shares, {"lifetime_hours": 0}), 422),
        Bad("share lifetime 721", _about_a_body(shares, {"lifetime_hours": 721}), 422),
        Bad("share lifetime fraction", _about_a_body(shares, {"lifetime_hours": 1.5}), 422),
        Bad("share lifetime words", _about_a_body(shares, {"lifetime_hours": "a day"}), 422),
        Bad("share unknown field", _about_a_body(shares, {**SHARE, "public": True}), 422),
        Bad("verify without a file", lambda w: upload_call(VERIFY), 422, public=True),
        Bad(
            "verify with the file under another name",
            lambda w: upload_call(VERIFY, document=b"{}"),
            422,
            public=True,
        ),
        Bad("verify JSON instead of multipart", _json(VERIFY, {"file": "x"}), 422, public=True),
        Bad("verify empty body", _raw(VERIFY, b"", multipart), 422, public=True),
        Bad(
            "verify multipart without boundary",
            _raw(VERIFY, b"--z\r\n", "multipart/form-data"),
            400,
            public=True,
        ),
        Bad(
            "verify multipart with a bad boundary",
            _raw(VERIFY, b"x", "multipart/form-data; boundary=\x00"),
            400,
            public=True,
        ),
        Bad(
            "verify file too big",
            lambda w: upload_call(VERIFY, file=b"%PDF" + b"0" * MAX_UPLOAD),
            413,
            public=True,
        ),
        Bad(
            "verify content too big",
            lambda w: upload_call(VERIFY, file=b"0", content=b"0" * (MAX_UPLOAD + 1)),
            413,
            public=True,
        ),
        Bad(
            "verify body declared too big",
            lambda w: upload_call(VERIFY, file=b"{}"),
            413,
            {"Content-Length": str(3 * MAX_UPLOAD)},
            public=True,
        ),
    ]


def _trust_bodies() -> list[Bad]:
    revoke = "{}/certificates/{}/revoke"
    return [
        Bad("revoke reason unknown", _json(revoke.format(TRUST, "abc"), {"reason": "bored"}), 422),
        Bad("revoke reason missing", _json(revoke.format(TRUST, "abc"), {}), 422),
        Bad("key file password short", _json(KEY_FILES, {"password": "short"}), 422),
        Bad("key file password NUL", _json(KEY_FILES, {"password": "long\u0000enough"}), 422),
        Bad("key file password missing", _json(KEY_FILES, {}), 422),
        Bad(
            "key file algorithm unknown",
            _json(KEY_FILES, {**KEY_FILE, "algorithm": "dsa-1024"}),
            422,
        ),
        Bad(
            "signing digest short",
            _json(SIGNING_REQUESTS, {**SIGNING, "content_sha256": "ab"}),
            422,
        ),
        Bad(
            "signing digest not hex",
            _json(SIGNING_REQUESTS, {**SIGNING, "content_sha256": "zz" * 32}),
            422,
        ),
        Bad(
            "signing description empty",
            _json(SIGNING_REQUESTS, {**SIGNING, "description": ""}),
            422,
        ),
        Bad(
            "signing description too long",
            _json(SIGNING_REQUESTS, {**SIGNING, "description": "d" * 201}),
            422,
        ),
        Bad(
            "signing description with NUL",
            _json(SIGNING_REQUESTS, {**SIGNING, "description": "a\u0000b"}),
            422,
        ),
        Bad(
            "confirm code letters",
            _about_a_body(f"{SIGNING_REQUESTS}/{{signing_request_id}}/confirm", {"code": "abcdef"}),
            422,
        ),
        Bad(
            "confirm code 5 digits",
            _about_a_body(f"{SIGNING_REQUESTS}/{{signing_request_id}}/confirm", {"code": "12345"}),
            422,
        ),
        Bad(
            "confirm code a number",
            _about_a_body(f"{SIGNING_REQUESTS}/{{signing_request_id}}/confirm", {"code": 123456}),
            422,
        ),
        Bad("signature algorithm unknown", _signature({"algorithm": "HS256"}), 422),
        Bad("signature algorithm none", _signature({"algorithm": "none"}), 422),
        Bad("signature value not base64url", _signature({"value": "not base64!" * 4}), 422),
        Bad("signature value impossible length", _signature({"value": "A" * 17}), 422),
        Bad("signature value too long", _signature({"value": "A" * 1100}), 422),
        Bad("signature value too short", _signature({"value": "AAAA"}), 422),
        Bad("signature value a number", _signature({"value": 12345}), 422),
        Bad("signature certificate not base64", _signature({"certificate": "-" * 40}), 422),
        Bad(
            "signature certificate bad padding", _signature({"certificate": "QUJD" * 5 + "="}), 422
        ),
        Bad("signature digest short", _signature({"content_sha256": "ab"}), 422),
        Bad("signature description NUL", _signature({"description": "\u0000"}), 422),
        Bad("signature agency empty", _signature({"agency": ""}), 422),
        Bad("signature agency a number", _signature({"agency": 5}), 422),
        Bad(
            "signature missing value",
            lambda w: json_call("POST", SIGNATURES, {"algorithm": "ES256"}),
            422,
        ),
        Bad("signature by citizen A", _signature({}), 404),
    ]


def _routing() -> list[Bad]:
    cases = [
        Bad(f"unknown path /{path}", _get(path), 404, routing=True)
        for path in ["nope", "", "registries/nope", "identity/me/", "registries/vehicles/"]
    ]
    allowed: dict[str, set[str]] = {}
    for endpoint in ENDPOINTS:
        allowed.setdefault(endpoint.template, set()).add(endpoint.method)
    for template, methods in allowed.items():
        path = template.replace("{iin}", UNREGISTERED_IIN).replace("{bin}", UNREGISTERED_BIN)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            cases.append(Bad(f"{method} {template}", _send(method, path), 405, routing=True))
    return cases


def _accept_headers() -> list[Bad]:
    """Asking for HTML or XML changes nothing: errors are still problem+json."""
    cases: list[Bad] = []
    for accept in ["text/html", "application/xml", "*/*;q=0", "garbage"]:
        cases += [
            Bad(
                f"accept {accept} on 404",
                _get(f"registries/vehicles/{UNREGISTERED_VIN}"),
                404,
                {"Accept": accept},
            ),
            Bad(f"accept {accept} on 422", _get("identity/iin/123"), 422, {"Accept": accept}),
            Bad(f"accept {accept} on unknown path", _get("nope"), 404, {"Accept": accept}, True),
        ]
    return cases


CASES = [*_identifiers(), *_queries(), *_bodies(), *_routing(), *_accept_headers()]


def test_case_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert sorted(names) == sorted(set(names))


@pytest.mark.parametrize("persona_name", ["operator", "anonymous"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_a_problem(
    case: Bad, persona_name: str, personas: dict[str, Persona], world: World
) -> None:
    status = case.status if persona_name == "operator" else case.anonymous_status
    before = snapshot()
    response = send(personas[persona_name].client, case.call(world), headers=case.headers)
    body = assert_problem(response, status)
    assert changes(before, snapshot()) == {}
    if status == 405:
        assert response["Allow"]
        assert body["type"] == "urn:qyzmet:problem:method-not-allowed"
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="qyzmet"'
