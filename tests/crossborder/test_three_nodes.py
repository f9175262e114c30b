"""Three national nodes, Kazakhstan, Russia and Kyrgyzstan, each its own server and worker
processes on its own database, exchanging envelopes over HTTP on loopback.

Set up as operators would, with the ``qyzmet`` command: each node publishes its trust list
(``crossborder trust-list``) and imports its partners' (``crossborder partner``). KZ asks
RU for a certificate of no criminal record for a case's applicant; KG's pension fund asks
KZ for a migrant worker's pension record, which KZ reads through its own exchange as KG
under the worker's consent. A consent is given through ``qyzmet manage shell`` (it has no
command: people give it on the portal), and so are the hostile envelopes, sealed with a
node's own key to play a partner that misbehaves.
"""

from __future__ import annotations

import base64
import functools
import http.client
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.crossborder.envelope import (
    NS,
    Enclosure,
    Envelope,
    Party,
    envelope_seal,
    error_signal_open,
    receipt_open,
)
from tests.documents.pki import make_pki
from tests.exchange.nodes import CommandFailed, Node, nodes_running

COUNTRIES = ("KZ", "RU", "KG")
REQUEST = "criminal-record-certificate-request"
CERTIFICATE = "criminal-record-certificate"
PENSION_REQUEST = "pension-record-request"
PENSION_RECORD = "pension-record"
KG_CLIENT = "QZ/GOV/02010199910048/eaeu-node"  # how KG's node is known on KZ's exchange
WAIT = 90.0  # seconds for the worker and retries to get a message through
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.DOTALL)
T = TypeVar("T")


@dataclass(frozen=True)
class World:
    kz: Node
    ru: Node
    kg: Node
    bin: str  # every node's own organisation (its digital ministry's BIN)


def _first(node: Node, country: str, seed: int) -> None:
    node.qyzmet("migrate")
    node.qyzmet("trust", "init", "--organisation", f"Node {country}")
    node.qyzmet("exchange", "init")
    node.qyzmet("registry", "generate", "--persons", "60", "--seed", str(seed), "--quiet")
    if country == "KZ":
        node.qyzmet("catalog", "load")
    node.qyzmet("crossborder", "trust-list", "--out", str(node.home / "trust-list.xml"))
    (node.home / "root.pem").write_text(_PEM.findall(node.qyzmet("trust", "roots"))[0])


def _partner(node: Node, partner: Node, country: str, bin_: str, *args: str) -> None:
    node.qyzmet(
        "crossborder", "partner", country, "--name", f"Node {country}",
        "--endpoint", partner.url, "--organisation", bin_,
        "--trust-list", str(partner.home / "trust-list.xml"), *args,
    )  # fmt: skip


def _own_bin(node: Node) -> str:
    rows = node.query(
        "SELECT o.bin FROM identity_agency a JOIN identity_organisation o "
        "ON o.id = a.organisation_id WHERE a.code = 'digital'"
    )
    return str(rows[0][0])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[World]:
    homes = tmp_path_factory.mktemp("countries")
    names = [c.lower() for c in COUNTRIES]
    with nodes_running(names, run=f"xb_{worker_id}", homes=homes) as nodes:
        kz, ru, kg = (nodes[n] for n in names)
        for node, country in ((kz, "KZ"), (ru, "RU"), (kg, "KG")):
            node.extra_environment["QYZMET_COUNTRY"] = country
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(_first, (kz, ru, kg), COUNTRIES, (1, 2, 3)))
        bin_ = _own_bin(kz)
        income_statement = next(
            line.split()[0] for line in kz.shell(
                "from qyzmet.exchange.models import Service\n"
                "print(Service.objects.get(identifier__endswith='/employment/income-statement')"
                ".identifier)"
            ).splitlines() if line.strip()
        )  # fmt: skip
        kz.qyzmet("exchange", "member", "--class", "GOV", "--code", "02010199910048",
                  "--name", "Social Fund of the Kyrgyz Republic")  # fmt: skip
        kz.qyzmet("exchange", "subsystem", KG_CLIENT)
        kz.qyzmet(
            "exchange", "grant", KG_CLIENT, income_statement, "--purpose", "pension-assignment"
        )
        _partner(kz, ru, "RU", bin_, "--document-type", REQUEST)
        _partner(
            kz, kg, "KG", bin_, "--document-type", PENSION_RECORD, "--exchange-client", KG_CLIENT
        )
        _partner(ru, kz, "KZ", bin_, "--document-type", CERTIFICATE)
        _partner(kg, kz, "KZ", bin_, "--document-type", PENSION_REQUEST)
        for node in (kz, ru, kg):
            node.start()
            node.start_worker()
        for node in (kz, ru, kg):
            node.wait_ready()
        yield World(kz, ru, kg, bin_)


def _until(what: Callable[[], T], description: str, node: Node) -> T:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.3)
    worker_log = (node.home / "worker.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"{node.name}: {description} did not happen in {WAIT} s\n{worker_log}")


def _cases(node: Node, count: int) -> list[str]:
    """Open a no-criminal-record application for ``count`` generated people; their numbers."""
    output = node.shell(
        "from qyzmet.cases.services import case_open\n"
        "from qyzmet.identity.models import Account, Person\n"
        "from qyzmet.identity.services import citizen_account_create\n"
        "taken = set(Account.objects.exclude(person=None).values_list('person_id', flat=True))\n"
        "people = Person.objects.filter(population__isnull=False).exclude(pk__in=taken)\n"
        f"people = people.order_by('pk')[:{count}]\n"
        "for person in people:\n"
        "    account = citizen_account_create(iin=person.iin, password='Xx-0123456789')\n"
        "    case = case_open(account=account, service='no-criminal-record-certificate')\n"
        "    print(case.number)\n"
    )
    numbers = output.split()
    assert len(numbers) == count, output
    return numbers


def _send_request(world: World, case: str) -> None:
    world.kz.qyzmet("crossborder", "send", "--to", "RU", "--type", REQUEST, "--case", case)


def _received_on_case(node: Node, case: str) -> list[tuple[str, str]]:
    return [
        (data["result"], data["country"])
        for (data,) in node.query(
            "SELECT e.data FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
            "WHERE c.number = %s AND e.kind = 'foreign_received' ORDER BY e.id", case,
        )
    ]  # fmt: skip


def _post(node: Node, xml: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
    try:
        connection.request("POST", "/crossborder/v1/envelopes", body=xml,
                           headers={"Content-Type": "application/xml"})  # fmt: skip
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _xmlsec1_verifies(xml: bytes, root: Path, tmp_path: Path) -> bool:
    path = tmp_path / "signed.xml"
    path.write_bytes(xml)
    done = subprocess.run(  # noqa: S603 - a fixed program, our own files
        ["xmlsec1", "--verify", "--trusted-pem", str(root), str(path)],  # noqa: S607
        capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def test_a_certificate_asked_of_a_partner_state_lands_on_the_case(
    world: World, tmp_path: Path
) -> None:
    (case,) = _cases(world.kz, 1)
    _send_request(world, case)
    received = _until(lambda: _received_on_case(world.kz, case), "the certificate", world.kz)
    assert received == [("no-record", "RU")]
    assert world.ru.query(
        "SELECT status, outcome FROM crossborder_incomingmessage WHERE document_type = %s "
        "AND status = 'processed'", REQUEST,
    )  # fmt: skip
    # The envelope verifies against KZ's root, RU's receipt against RU's root, and neither
    # against the other's.
    envelope, receipt = world.kz.query(
        "SELECT envelope, receipt FROM crossborder_outgoingmessage m JOIN cases_case c "
        "ON c.id = m.case_id WHERE c.number = %s", case,
    )[0]  # fmt: skip
    kz_root, ru_root = world.kz.home / "root.pem", world.ru.home / "root.pem"
    assert _xmlsec1_verifies(bytes(envelope), kz_root, tmp_path)
    assert _xmlsec1_verifies(bytes(receipt), ru_root, tmp_path)
    assert not _xmlsec1_verifies(bytes(envelope), ru_root, tmp_path)
    assert not _xmlsec1_verifies(bytes(receipt), kz_root, tmp_path)
    # KZ, as a trusted third party, reports on RU's certificate in Russian, signed.
    (answer,) = world.kz.query(
        "SELECT envelope FROM crossborder_incomingmessage WHERE document_type = %s "
        "ORDER BY id DESC LIMIT 1", CERTIFICATE,
    )  # fmt: skip
    document = etree.fromstring(bytes(answer[0])).find(f"{{{NS}}}Documents/{{{NS}}}Document")
    certificate, report = tmp_path / "certificate.xml", tmp_path / "report.xml"
    certificate.write_bytes(base64.b64decode(document.text))
    said = world.kz.qyzmet(
        "crossborder", "verify", str(certificate), "--country", "RU", "--language", "ru",
        "--report", str(report),
    )  # fmt: skip
    assert said.startswith("TOTAL-PASSED: Подпись")
    assert "TOTAL-PASSED" in report.read_text()
    assert 'xml:lang="ru"' in report.read_text()
    assert _xmlsec1_verifies(report.read_bytes(), kz_root, tmp_path)
    with pytest.raises(CommandFailed):  # judged by KG's list it is not trusted: exit 1
        world.kz.qyzmet("crossborder", "verify", str(certificate), "--country", "KG")


def _kz_worker_with_incomes(world: World, count: int) -> list[str]:
    rows = world.kz.query(
        "SELECT p.iin FROM identity_person p JOIN registries_income i ON i.person_id = p.id "
        "WHERE i.period >= '2025-01-01' GROUP BY p.iin ORDER BY p.iin LIMIT %s", count,
    )  # fmt: skip
    assert len(rows) == count
    return [iin for (iin,) in rows]


def _consent(node: Node, iin: str) -> None:
    node.shell(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from qyzmet.exchange.models import Purpose, Service, Subsystem\n"
        "from qyzmet.exchange.services import consent_give\n"
        "from qyzmet.identity.models import Person\n"
        f"consent_give(person=Person.objects.get(iin='{iin}'),\n"
        f"    party=Subsystem.objects.get(identifier='{KG_CLIENT}'),\n"
        "    purpose=Purpose.objects.get(code='pension-assignment'),\n"
        "    services=[Service.objects.get(identifier__endswith='/employment/income-statement')],\n"
        "    valid_until=timezone.now() + timedelta(days=30), via='portal', actor='citizen')\n"
    )


def _pension_outcome(node: Node, conversation: str) -> str:
    rows = node.query(
        "SELECT outcome FROM crossborder_incomingmessage WHERE conversation_id = %s "
        "AND status = 'processed'", conversation,
    )  # fmt: skip
    return str(rows[0][0]) if rows else ""


def test_a_pension_record_goes_only_with_the_workers_consent_and_shows_in_their_tracker(
    world: World,
) -> None:
    consenting, silent = _kz_worker_with_incomes(world, 2)
    _consent(world.kz, consenting)
    conversations = {}
    for iin in (consenting, silent):
        said = world.kg.qyzmet(
            "crossborder", "send", "--to", "KZ", "--type", PENSION_REQUEST,
            "--national-id", iin, "--first-month", "2025-01", "--last-month", "2026-12",
        )  # fmt: skip
        conversations[iin] = said.split("conversation ")[1].split(",")[0]
    got = _until(
        lambda: _pension_outcome(world.kg, conversations[consenting]), "the record", world.kg
    )
    assert re.fullmatch(r"pension record received: [1-9]\d* months", got), got
    refused = _until(
        lambda: _pension_outcome(world.kg, conversations[silent]), "the refusal", world.kg
    )
    assert refused.startswith("refused by KZ"), refused
    # What KZ gave out is in the consenting worker's data tracker (an access through the
    # exchange, by KG's node, for the pension purpose, under the consent); the refusal is not.
    tracked = world.kz.query(
        "SELECT purpose, status, consent <> '' FROM exchange_exchangerecord "
        "WHERE subject_iin = %s AND client = %s", consenting, KG_CLIENT,
    )  # fmt: skip
    assert tracked == [("pension-assignment", 200, True)]
    assert world.kz.query(
        "SELECT status FROM exchange_exchangerecord WHERE subject_iin = %s AND client = %s",
        silent,
        KG_CLIENT,
    ) == [(403,)]


def _delivered(node: Node, cases: list[str]) -> int:
    rows = node.query(
        "SELECT count(*) FROM crossborder_outgoingmessage m JOIN cases_case c ON c.id = m.case_id "
        "WHERE c.number = ANY(%s) AND m.status = 'delivered'", cases,
    )  # fmt: skip
    return int(rows[0][0])


def test_a_partner_killed_mid_exchange_gets_everything_exactly_once_after_it_restarts(
    world: World,
) -> None:
    cases = _cases(world.kz, 4)
    _send_request(world, cases[0])
    _until(lambda: _delivered(world.kz, cases[:1]), "the first delivery", world.kz)
    world.ru.kill()
    for case in cases[1:]:
        _send_request(world, case)
    _until(
        lambda: world.kz.query(
            "SELECT 1 FROM crossborder_outgoingmessage WHERE status = 'queued' AND attempts >= 1 "
            "AND last_error LIKE %s", "%ConnectionRefused%",
        ),
        "a failed attempt", world.kz,
    )  # fmt: skip
    assert _delivered(world.kz, cases) == 1
    world.ru.start()
    world.ru.start_worker()
    world.ru.wait_ready()
    world.kz.qyzmet("crossborder", "status", "--send-now", "RU")
    _until(lambda: _delivered(world.kz, cases) == len(cases), "every delivery", world.kz)
    for case in cases:
        received = _until(
            functools.partial(_received_on_case, world.kz, case), f"{case}'s certificate", world.kz
        )
        assert received == [("no-record", "RU")]
    # On RU each request was taken once and answered once.
    answered = world.ru.query(
        "SELECT count(*), count(DISTINCT conversation_id) FROM crossborder_outgoingmessage "
        "WHERE document_type = %s", CERTIFICATE,
    )  # fmt: skip
    received = world.ru.query(
        "SELECT count(*), count(*) FILTER (WHERE status = 'processed') FROM "
        "crossborder_incomingmessage WHERE document_type = %s", REQUEST,
    )  # fmt: skip
    assert answered[0][0] == answered[0][1] == received[0][0] == received[0][1]


def _sealed_on(node: Node, sender: str, message_id: str = "") -> bytes:
    """An envelope to KZ claiming to be from ``sender``, sealed with ``node``'s own key."""
    output = node.shell(
        "import base64, uuid\n"
        "from django.utils import timezone\n"
        "from qyzmet.crossborder.envelope import Enclosure, Envelope, Party, envelope_seal\n"
        "from qyzmet.crossborder.node import own_party, own_signer\n"
        f"message = uuid.UUID('{message_id}') if '{message_id}' else uuid.uuid4()\n"
        "envelope = Envelope(message_id=message, conversation_id=uuid.uuid4(), sequence=1,\n"
        f"    sender=Party('{sender}', own_party().organisation),\n"
        "    receiver=Party('KZ', own_party().organisation),\n"
        f"    document_type='{CERTIFICATE}', created_at=timezone.now().replace(microsecond=0),\n"
        "    documents=(Enclosure('certificate.xml', 'application/xml', b'<x/>'),))\n"
        "print(base64.b64encode(envelope_seal(envelope, own_signer())).decode())\n"
    )
    return base64.b64decode(output.split()[-1])


def test_forged_altered_replayed_and_untrusted_envelopes_are_refused_signed_and_logged(
    world: World, tmp_path: Path
) -> None:
    (case,) = _cases(world.kz, 1)
    _send_request(world, case)
    _until(lambda: _received_on_case(world.kz, case), "the certificate", world.kz)
    message_id, genuine, receipt = world.kz.query(
        "SELECT message_id, envelope, receipt FROM crossborder_incomingmessage "
        "WHERE document_type = %s ORDER BY id DESC LIMIT 1", CERTIFICATE,
    )[0]  # fmt: skip
    # The very envelope again: the same receipt, nothing processed twice.
    assert _post(world.kz, bytes(genuine)) == (200, bytes(receipt))
    assert receipt_open(bytes(receipt)).value.message_id == message_id
    hostile = {
        "altered": bytes(genuine).replace(b"<Sequence>1</Sequence>", b"<Sequence>2</Sequence>"),
        "forged": _sealed_on(world.kg, "RU"),  # KG's key, claiming to be RU
        "replayed": _sealed_on(world.ru, "RU", str(message_id)),  # a used id, other bytes
    }
    for code, xml in hostile.items():
        status, body = _post(world.kz, xml)
        signal = error_signal_open(body)
        assert (status, signal.value.code) == (
            {"altered": 400, "forged": 403, "replayed": 409}[code], code,
        ), signal.value.detail  # fmt: skip
        assert _xmlsec1_verifies(body, world.kz.home / "root.pem", tmp_path)
        logged = world.kz.query(
            "SELECT code FROM crossborder_refusedenvelope WHERE envelope_sha256 = %s",
            signal.value.envelope_sha256,
        )
        assert logged == [(code,)]
    # A key no partner's list vouches for, claiming to be RU's.
    foreign = envelope_seal(
        Envelope(
            message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), sequence=1,
            sender=Party("RU", world.bin), receiver=Party("KZ", world.bin),
            document_type=CERTIFICATE, created_at=datetime.now(UTC).replace(microsecond=0),
            documents=(Enclosure("certificate.xml", "application/xml", b"<x/>"),),
        ),
        make_pki("rsa").signer,
    )  # fmt: skip
    status, body = _post(world.kz, foreign)
    assert (status, error_signal_open(body).value.code) == (403, "untrusted-signer")
    assert (
        world.kz.query("SELECT count(*) FROM core_auditentry WHERE action = 'crossborder.refuse'")[
            0
        ][0]
        >= len(hostile) + 1
    )
