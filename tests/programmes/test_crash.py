"""A programme run killed with SIGKILL anywhere ends as an uninterrupted one: two nodes
(own processes, own PostgreSQL databases, own bank simulators) set up alike; one runs the
emergency payment through, the other is killed again and again, at a checkpoint in every
stage (just before a chunk commits, just after, and after the bank took a file but before
that was recorded) and at random moments, and resumed each time. Then: the same people
have the same orders with the same outcome, nobody is paid twice (the bank received each
payment once), nobody eligible is left out, and the budget cap held."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.exchange.nodes import Node, nodes_running

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the crash test runs nodes on PostgreSQL"
)
SCRIPT = (sys.executable, "-m", "tests.programmes.crash_run")
ROOT = Path(__file__).resolve().parents[2]
# Where a run is killed: a stage, a checkpoint in it, and up to which pass of that
# checkpoint the kill may come (it comes at a random pass up to there, a different one
# for every seed). Every stage is hit, before and after its chunks commit.
KILLS = [
    ("eligibility", "before-commit", 3), ("eligibility", "after-commit", 3),
    ("offers", "before-commit", 1),
    ("orders", "before-commit", 3), ("orders", "after-commit", 3),
    ("files", "before-commit", 2), ("files", "after-commit", 2),
    ("transmit", "sent", 2), ("transmit", "before-commit", 1),
    ("statuses", "before-commit", 1),
]  # fmt: skip
SEED = 20


def _script(node: Node, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own script
        [*SCRIPT, *args], env=node.environment(), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _finish(process: subprocess.Popen[bytes], timeout: float = 300) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output.decode(errors="replace")


def _state(node: Node) -> dict[str, object]:
    orders = node.query(
        "SELECT p.iin, o.amount, o.status, o.reason, o.attempt FROM payments_paymentorder o"
        " JOIN identity_person p ON p.id = o.person_id ORDER BY p.iin"
    )
    offers = node.query(
        "SELECT p.iin, o.status FROM programmes_offer o"
        " JOIN identity_person p ON p.id = o.person_id ORDER BY p.iin"
    )
    money = node.query("SELECT cap, committed FROM payments_disbursement")
    run = node.query("SELECT stage, finished_at IS NOT NULL FROM programmes_programmerun")
    return {"orders": orders, "offers": offers, "money": money, "run": run}


def _bank_received(node: Node) -> Counter[str]:
    """End-to-end ids of every transfer in every file the bank answered (its simulator's
    status reports name each file it took, once per message id)."""
    from qyzmet.payments.iso20022 import pain001_read, pain002_read

    received: Counter[str] = Counter()
    blobs = node.home / "blobs"
    for report in sorted((node.home / "bank-simulator" / "outbox").glob("*.xml")):
        message_id = pain002_read(report.read_bytes()).original_message_id
        [(sha,)] = node.query(
            "SELECT content_sha256 FROM payments_bankfile WHERE message_id = %s", message_id
        )
        _header, transfers = pain001_read((blobs / sha[:2] / sha[2:4] / sha).read_bytes())
        received.update(transfer.end_to_end_id for transfer in transfers)
    return received


def test_a_run_killed_anywhere_ends_as_an_uninterrupted_one(tmp_path: Path, worker_id: str) -> None:
    with nodes_running(["calm", "crashed"], run=f"crash_{worker_id}", homes=tmp_path) as nodes:
        calm, crashed = nodes["calm"], nodes["crashed"]
        for node in (calm, crashed):
            code, output = _finish(_script(node, "setup"))
            assert code == 0, output
        code, output = _finish(_script(calm, "run"))
        assert code == 0, output

        chance = random.Random(SEED)  # which pass, reproducibly
        for stage, where, passes in KILLS:
            times = chance.randint(1, passes)
            code, output = _finish(_script(crashed, "run", f"{stage}:{where}:{times}"))
            assert code == -signal.SIGKILL, f"not killed at {stage}:{where}:{times}\n{output}"
        code, output = _finish(_script(crashed, "run"))
        assert code == 0, output

        calm_state, crashed_state = _state(calm), _state(crashed)
        assert crashed_state == calm_state
        orders = calm_state["orders"]
        assert isinstance(orders, list)
        assert len(orders) > 20
        assert {status for _iin, _amount, status, _reason, _attempt in orders} == {
            "paid", "rejected",
        }  # fmt: skip
        # The cap binds: four fewer orders than people eligible with an account.
        [(cap, committed)] = calm_state["money"]  # type: ignore[misc]
        assert committed == sum(amount for _iin, amount, *_rest in orders) <= cap
        assert cap - committed < orders[0][1]
        # Nobody eligible left out: everyone the rule counts has an offer, and everyone
        # accepted with an account has an order, but for
        # the last four in person order, whom the budget does not reach.
        waiting = calm.query(
            "SELECT p.iin FROM programmes_offer o JOIN identity_person p ON p.id = o.person_id"
            " JOIN payments_payoutaccount a ON a.person_id = o.person_id AND a.primary"
            " WHERE o.status = 'accepted' ORDER BY o.person_id"
        )
        assert sorted(iin for (iin,) in waiting[:-4]) == [iin for iin, *_rest in orders]
        [(on,)] = calm.query('SELECT "on" FROM programmes_programmerun')
        counted = calm.qyzmet("rules", "count", "emergency-payment-2020", "--on", f"{on:%Y-%m-%d}")
        offers = calm_state["offers"]
        assert isinstance(offers, list)
        assert f": {len(offers):,} of " in counted, counted
        # Nobody paid twice: each order's transfer reached the bank exactly once.
        for node in (calm, crashed):
            received = _bank_received(node)
            assert set(received.values()) == {1}, received.most_common(3)
            assert len(received) == len(orders)
