"""Two agency nodes, each its own process with its own database, exchanging on loopback.

Node A is the mediator that the client agency systems are registered at: the labour
ministry's benefits office (granted the population record and, with the person's consent,
the income statement) and the justice ministry's notary office (granted nothing). This
test process plays both systems, each signing with a key of its own that node A certified
from its CSR. Node B holds the population and employment registries (a generated
population). Node A forwards B's services to B, signed with its mediator key; node B
trusts A's root CA and grants A's mediator those services.

Everything is set up with the ``qyzmet`` command, as an operator would, except a person's
consent, which has no command yet and is given through ``qyzmet manage shell``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from qyzmet.exchange.assertions import assertion_make, request_hash, request_message
from qyzmet.trust.jws import b64url, b64url_decode, canonical_json
from qyzmet.trust.signer import SigningIdentity
from tests.documents.pki import make_pki
from tests.exchange.nodes import Node, Reply, get, nodes_running

POPULATION = "QZ/GOV/990240000010/population"
EMPLOYMENT = "QZ/GOV/990240000030/employment"
PERSON = f"{POPULATION}/person"
INCOME_STATEMENT = f"{EMPLOYMENT}/income-statement"
BENEFITS_OFFICE = "QZ/GOV/990240000030/benefits-office"
NOTARY_OFFICE = "QZ/GOV/990240000020/notary-office"
PURPOSE = "benefit-assignment"
PROBLEM = "application/problem+json"
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.DOTALL)


@dataclass(frozen=True)
class AgencySystem:
    """A client system: its subsystem identifier and its own key."""

    identifier: str
    signer: SigningIdentity

    def request(
        self,
        mediator: Node,
        target: str,
        *,
        purpose: str = PURPOSE,
        signer: SigningIdentity | None = None,
    ) -> tuple[str, dict[str, str]]:
        """The path and headers of a signed GET of ``target``; X-Road-Id is fresh."""
        path = f"/r1/{target}"
        assertion = assertion_make(
            signer=signer or self.signer,
            client=self.identifier,
            audience=mediator.url,
            message_hash=request_hash(request_message("GET", path, b"")),
        )
        return path, {
            "X-Road-Client": self.identifier,
            "X-Road-Id": str(uuid.uuid4()),
            "X-Road-Issue": "benefit-case-17",
            "X-Qyzmet-Purpose": purpose,
            "Authorization": f"Bearer {assertion}",
            "Accept": "application/json",
        }


@dataclass(frozen=True)
class Exchange:
    a: Node
    b: Node
    mediator: str  # node A's mediator subsystem, as node B knows it
    benefits: AgencySystem
    notary: AgencySystem


def _agency_system(node: Node, identifier: str, keys: Path) -> AgencySystem:
    """Register a subsystem on ``node`` and have its own key certified from a CSR."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identifier)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    stem = identifier.rsplit("/", 1)[1]
    csr_file, chain_file = keys / f"{stem}.csr", keys / f"{stem}.pem"
    csr_file.write_bytes(csr.public_bytes(Encoding.PEM))
    node.qyzmet("exchange", "subsystem", identifier)
    node.qyzmet("exchange", "certify", identifier, "--csr", str(csr_file), "--out", str(chain_file))
    chain = x509.load_pem_x509_certificates(chain_file.read_bytes())
    return AgencySystem(identifier, SigningIdentity(key, chain[0], tuple(chain[1:])))


def _node_a_first(a: Node) -> str:
    """Node A's platform and mediator; writes its root and mediator certificates."""
    a.qyzmet("migrate")
    a.qyzmet("trust", "init", "--organisation", "Node A")
    a.qyzmet("exchange", "init")
    mediator = a.qyzmet("exchange", "mediator", "--out", str(a.home / "mediator.pem")).strip()
    # `trust roots` heads each certificate with a comment line, which `trust import` does
    # not accept: hand over the PEM block alone.
    (a.home / "root.pem").write_text(_PEM.findall(a.qyzmet("trust", "roots"))[0])
    return mediator


def _node_a_forwards(a: Node, b: Node) -> None:
    """On A: B's registries answer at B's address, and A publishes their services.

    `exchange init` registered them as A's own (A has no population): with an address,
    A forwards their requests to B.
    """
    for provider in (POPULATION, EMPLOYMENT):
        a.qyzmet("exchange", "subsystem", provider, "--address", b.url)
    a.qyzmet(
        "exchange", "service", PERSON,
        "--title-kk", "Тұлғаның халық тіркелімі жазбасы",
        "--title-ru", "Запись о лице в регистре населения",
        "--title-en", "A person's population record",
    )  # fmt: skip
    a.qyzmet(
        "exchange", "service", INCOME_STATEMENT, "--consent-required", "--mode", "full",
        "--title-kk", "Табыс туралы анықтама (азаматтың келісімімен)",
        "--title-ru", "Справка о доходах (с согласия гражданина)",
        "--title-en", "Income statement (with the citizen's consent)",
    )  # fmt: skip


def _node_b_first(b: Node) -> None:
    b.qyzmet("migrate")
    b.qyzmet("trust", "init", "--organisation", "Node B")
    b.qyzmet("exchange", "init")
    b.qyzmet("registry", "generate", "--persons", "200", "--seed", "1", "--quiet")


def _node_b_then(b: Node, a: Node, mediator: str) -> None:
    """On B: trust A's root; A's mediator is a client that may call the two services."""
    b.qyzmet("trust", "import", str(a.home / "root.pem"), "--name", "Node A Root CA")
    b.qyzmet(
        "exchange", "subsystem", mediator, "--mediator",
        "--certificate", str(a.home / "mediator.pem"),
    )  # fmt: skip
    for service in (PERSON, INCOME_STATEMENT):
        b.qyzmet("exchange", "grant", mediator, service, "--purpose", PURPOSE)


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Exchange]:
    homes = tmp_path_factory.mktemp("nodes")
    keys = tmp_path_factory.mktemp("agency-keys")
    with nodes_running(["a", "b"], run=f"nodes_{worker_id}", homes=homes) as nodes:
        a, b = nodes["a"], nodes["b"]
        # Each command is a process that mostly starts Django: run what does not depend
        # on another step side by side.
        with ThreadPoolExecutor(max_workers=3) as pool:
            b_first = pool.submit(_node_b_first, b)
            mediator = _node_a_first(a)
            forwards = pool.submit(_node_a_forwards, a, b)
            registering = pool.submit(_agency_system, a, BENEFITS_OFFICE, keys)
            notary = _agency_system(a, NOTARY_OFFICE, keys)
            b_first.result()
            b_then = pool.submit(_node_b_then, b, a, mediator)
            benefits = registering.result()
            forwards.result()
            for service in (PERSON, INCOME_STATEMENT):
                a.qyzmet("exchange", "grant", BENEFITS_OFFICE, service, "--purpose", PURPOSE)
            b_then.result()
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        yield Exchange(a, b, mediator, benefits, notary)


def _logged(node: Node, message_id: str) -> list[tuple[int, str, str]]:
    """(status, X-Road-Error, client) of each exchange record with this X-Road-Id."""
    return [
        (status, error, client)
        for status, error, client in node.query(
            "SELECT status, error, client FROM exchange_exchangerecord "
            "WHERE message_id = %s ORDER BY id",
            message_id,
        )
    ]


def _assert_refused(reply: Reply, status: int, error: str) -> dict[str, object]:
    assert reply.status == status, reply.body
    assert reply.headers["x-road-error"] == error
    assert reply.headers["content-type"].split(";")[0] == PROBLEM
    problem: dict[str, object] = reply.json()
    assert problem["type"] == f"urn:qyzmet:problem:exchange:{error}"
    assert problem["title"] == error
    assert problem["status"] == status
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    return problem


def _a_person(node: Node) -> tuple[str, str, str, str]:
    """IIN, Latin surname and given name, and birth date of a person in B's registry."""
    iin, surname, given_name, birth_date = node.query(
        "SELECT p.iin, r.surname_lat, r.given_name_lat, r.birth_date FROM identity_person p "
        "JOIN registries_populationrecord r ON r.person_id = p.id ORDER BY p.iin LIMIT 1"
    )[0]
    return iin, surname, given_name, birth_date.isoformat()


def test_a_client_gets_a_person_from_the_registry_on_the_other_node(exchange: Exchange) -> None:
    a, b = exchange.a, exchange.b
    iin, surname, given_name, birth_date = _a_person(b)
    assert a.query("SELECT count(*) FROM identity_person WHERE iin = %s", iin) == [(0,)]
    path, headers = exchange.benefits.request(a, f"{PERSON}/{iin}")

    reply = get(a.url, path, headers)

    assert reply.status == 200, reply.body
    person = reply.json()
    assert (person["iin"], person["surname_lat"], person["given_name_lat"]) == (
        iin,
        surname,
        given_name,
    )
    assert person["birth_date"] == birth_date
    digest = hashlib.sha256(request_message("GET", path, b"")).digest()
    assert reply.headers["x-road-request-hash"] == base64.b64encode(digest).decode()
    assert "x-road-error" not in reply.headers
    message_id = headers["X-Road-Id"]
    assert _logged(a, message_id) == [(200, "", BENEFITS_OFFICE)]
    assert _logged(b, message_id) == [(200, "", exchange.mediator)]


def test_a_client_without_a_grant_is_refused(exchange: Exchange) -> None:
    iin = _a_person(exchange.b)[0]
    path, headers = exchange.notary.request(exchange.a, f"{PERSON}/{iin}")

    reply = get(exchange.a.url, path, headers)

    _assert_refused(reply, 403, "Server.ServerProxy.AccessDenied")
    message_id = headers["X-Road-Id"]
    assert _logged(exchange.a, message_id) == [
        (403, "Server.ServerProxy.AccessDenied", NOTARY_OFFICE)
    ]
    assert _logged(exchange.b, message_id) == []


def test_a_purpose_the_grant_does_not_name_is_refused(exchange: Exchange) -> None:
    iin = _a_person(exchange.b)[0]
    path, headers = exchange.benefits.request(
        exchange.a, f"{PERSON}/{iin}", purpose="tax-administration"
    )

    reply = get(exchange.a.url, path, headers)

    _assert_refused(reply, 403, "Server.ServerProxy.PurposeNotGranted")
    message_id = headers["X-Road-Id"]
    assert _logged(exchange.a, message_id) == [
        (403, "Server.ServerProxy.PurposeNotGranted", BENEFITS_OFFICE)
    ]
    assert _logged(exchange.b, message_id) == []


def _self_signed() -> SigningIdentity:
    """A signer whose chain leads to a CA neither node trusts."""
    return make_pki().signer


def _tampered(authorization: str, other_path: str) -> str:
    """The assertion with its request hash changed to another request's."""
    protected, payload, signature = authorization.removeprefix("Bearer ").split(".")
    claims = json.loads(b64url_decode(payload))
    claims["rqh"] = request_hash(request_message("GET", other_path, b""))
    return f"Bearer {protected}.{b64url(canonical_json(claims))}.{signature}"


@pytest.mark.parametrize(
    ("forgery", "detail"),
    [
        ("a key nobody certified", "not signed by a trusted"),
        ("another client's key", "not registered to the client"),
        ("a tampered assertion", "signature does not verify"),
    ],
)
def test_a_forged_assertion_is_refused(exchange: Exchange, forgery: str, detail: str) -> None:
    a = exchange.a
    iin = _a_person(exchange.b)[0]
    target = f"{PERSON}/{iin}"
    if forgery == "a key nobody certified":
        path, headers = exchange.benefits.request(a, target, signer=_self_signed())
    elif forgery == "another client's key":
        path, headers = exchange.benefits.request(a, target, signer=exchange.notary.signer)
    else:  # made for one person's record, edited to fetch another's
        _, headers = exchange.benefits.request(a, target)
        path = f"/r1/{PERSON}/{_other_person(exchange.b, iin)}"
        headers["Authorization"] = _tampered(headers["Authorization"], path)

    reply = get(a.url, path, headers)

    problem = _assert_refused(reply, 401, "Client.InvalidAssertion")
    assert detail in str(problem["detail"])
    message_id = headers["X-Road-Id"]
    assert _logged(a, message_id) == [(401, "Client.InvalidAssertion", BENEFITS_OFFICE)]
    assert _logged(exchange.b, message_id) == []


def _other_person(node: Node, iin: str) -> str:
    other: str = node.query(
        "SELECT iin FROM identity_person WHERE iin > %s ORDER BY iin LIMIT 1", iin
    )[0][0]
    return other


def test_a_replayed_assertion_is_refused(exchange: Exchange) -> None:
    a = exchange.a
    iin = _a_person(exchange.b)[0]
    path, headers = exchange.benefits.request(a, f"{PERSON}/{iin}")
    first = get(a.url, path, headers)
    assert first.status == 200, first.body

    replay = get(a.url, path, headers)

    _assert_refused(replay, 401, "Client.ReplayedAssertion")
    message_id = headers["X-Road-Id"]
    assert _logged(a, message_id) == [
        (200, "", BENEFITS_OFFICE),
        (401, "Client.ReplayedAssertion", BENEFITS_OFFICE),
    ]
    assert _logged(exchange.b, message_id) == [(200, "", exchange.mediator)]


_CONSENT_GIVE = """
from datetime import timedelta
from django.utils import timezone
from qyzmet.exchange.models import Purpose, Service, Subsystem
from qyzmet.exchange.services import consent_give
from qyzmet.identity.models import Person
person, _ = Person.objects.get_or_create(iin={iin!r})
consent = consent_give(
    person=person,
    party=Subsystem.objects.get(identifier={client!r}),
    purpose=Purpose.objects.get(code={purpose!r}),
    services=[Service.objects.get(identifier={service!r})],
    valid_until=timezone.now() + timedelta(days=30),
    via="portal",
    actor="citizen:" + person.iin,
)
print("consent", consent.public_id)
"""

_CONSENT_WITHDRAW = """
from qyzmet.exchange.models import Consent
from qyzmet.exchange.services import consent_withdraw
consent_withdraw(consent=Consent.objects.get(public_id={public_id!r}), actor="citizen")
"""


def test_a_withdrawn_consent_is_refused(exchange: Exchange) -> None:
    a, b, benefits = exchange.a, exchange.b, exchange.benefits
    iin, incomes = b.query(
        "SELECT p.iin, count(i.id) FROM identity_person p "
        "JOIN registries_income i ON i.person_id = p.id GROUP BY p.iin ORDER BY p.iin LIMIT 1"
    )[0]
    target = f"{INCOME_STATEMENT}/{iin}"
    path, before = benefits.request(a, target)
    _assert_refused(get(a.url, path, before), 403, "Server.ServerProxy.ConsentMissing")

    given = a.shell(
        _CONSENT_GIVE.format(
            iin=iin, client=BENEFITS_OFFICE, purpose=PURPOSE, service=INCOME_STATEMENT
        )
    )
    public_id = given.split("consent ", 1)[1].strip()
    path, consented = benefits.request(a, target)
    answer = get(a.url, path, consented)
    assert answer.status == 200, answer.body
    assert len(answer.json()) == incomes
    assert a.query(
        "SELECT consent FROM exchange_exchangerecord WHERE message_id = %s",
        consented["X-Road-Id"],
    ) == [(public_id,)]

    a.shell(_CONSENT_WITHDRAW.format(public_id=public_id))
    path, after = benefits.request(a, target)

    _assert_refused(get(a.url, path, after), 403, "Server.ServerProxy.ConsentMissing")
    for headers, logged in [
        (before, (403, "Server.ServerProxy.ConsentMissing", BENEFITS_OFFICE)),
        (consented, (200, "", BENEFITS_OFFICE)),
        (after, (403, "Server.ServerProxy.ConsentMissing", BENEFITS_OFFICE)),
    ]:
        assert _logged(a, headers["X-Road-Id"]) == [logged]
    assert _logged(b, before["X-Road-Id"]) == []
    assert _logged(b, consented["X-Road-Id"]) == [(200, "", exchange.mediator)]
    assert _logged(b, after["X-Road-Id"]) == []
