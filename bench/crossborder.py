"""How many envelopes a national node gets across to a partner's per second, end to end,
against the XAdES signing and verifying underneath?

    .venv/bin/python bench/crossborder.py [--seconds 20] [--sender-processes 2] [--senders 2]

Two scratch nodes on the PostgreSQL server QYZMET_DATABASE_URL names (default
postgres@127.0.0.1:5432): the receiving node RU runs ``qyzmet serve`` (--processes x
--threads) on loopback; this process is the sending node KZ. They are joined as operators
join partners: each writes its trust list and imports the other's.

- raw: ``envelope_seal`` of a one-document envelope and ``xades_inspect`` of it, one after
  the other in this process (one XAdES signature made and checked);
- end to end: --sender-processes processes (as a node runs several workers) of --senders
  threads each store an envelope (``message_send``: sealed, kept), deliver it
  (``message_deliver``: POST; RU checks the signature against KZ's trust list, stores it
  and signs a receipt; KZ checks the receipt against RU's list and keeps it as evidence),
  and start on the next.

The two measures alternate in slices until each has run --seconds. The last line printed
is the ratio of raw sign+verify per second to envelopes per second end to end (target: at
most 3). Both scratch databases are dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from node import Processes, scratch_node

DOCUMENT_TYPE = "pension-record"  # one RU takes from KZ; RU's worker is not running


def _qyzmet(node: Processes, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "qyzmet.cli", *args], env=node.environment, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _timed(step: Callable[[], int], seconds: float) -> tuple[int, float]:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += step()
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="time per measure")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices per measure")
    parser.add_argument(
        "--sender-processes", type=int, default=2, help="KZ's delivering processes end to end"
    )
    parser.add_argument("--senders", type=int, default=2, help="threads in each of them")
    parser.add_argument("--processes", type=int, default=2, help="RU's qyzmet serve --processes")
    parser.add_argument("--threads", type=int, default=4, help="RU's qyzmet serve --threads")
    parser.add_argument("--document-bytes", type=int, default=4096, help="the enclosed document")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()

    with scratch_node("crossborder", "qyzmet_bench_xb_ru", keep=args.keep,
                      settings={"QYZMET_COUNTRY": "RU"}) as ru:  # fmt: skip
        ru_list = ru.home / "trust-list.xml"
        _qyzmet(ru, "migrate")
        _qyzmet(ru, "trust", "init", "--organisation", "Bench RU")
        _qyzmet(ru, "crossborder", "trust-list", "--out", str(ru_list))
        with scratch_node("crossborder", "qyzmet_bench_xb_kz", keep=args.keep,
                          settings={"QYZMET_COUNTRY": "KZ"}) as kz:  # fmt: skip
            run(args, kz, ru, ru_list)


def run(args: argparse.Namespace, kz: Processes, ru: Processes, ru_list: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from qyzmet.crossborder.delivery import message_deliver, message_send, partner_import
    from qyzmet.crossborder.envelope import Enclosure, Envelope, Party, envelope_seal
    from qyzmet.crossborder.node import own_party, own_signer, own_trust_list
    from qyzmet.documents.formats.xades import xades_inspect
    from qyzmet.trust.authority import trust_init

    call_command("migrate", verbosity=0, interactive=False)
    trust_init(organisation="Bench KZ")
    kz_list = kz.home / "trust-list.xml"
    kz_list.write_bytes(own_trust_list())
    bin_ = own_party().organisation
    partner = partner_import(
        country="RU", name="Bench RU", endpoint=f"http://127.0.0.1:{ru.port}", organisation=bin_,
        trust_list=ru_list.read_bytes(), document_types=[DOCUMENT_TYPE], actor="bench",
    )  # fmt: skip
    _qyzmet(ru, "crossborder", "partner", "KZ", "--name", "Bench KZ", "--endpoint", "http://127.0.0.1:9",
            "--organisation", bin_, "--trust-list", str(kz_list))  # fmt: skip
    ru.serve(args.processes, args.threads)
    document = Enclosure("record.xml", "application/xml",
                         b"<Record>" + b"x" * args.document_bytes + b"</Record>")  # fmt: skip
    signer = own_signer()

    def raw() -> int:
        envelope = Envelope(
            message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), sequence=1,
            sender=Party("KZ", bin_), receiver=Party("RU", bin_), document_type=DOCUMENT_TYPE,
            created_at=timezone.now().replace(microsecond=0), documents=(document,),
        )  # fmt: skip
        (facts,) = xades_inspect(envelope_seal(envelope, signer))
        assert facts.intact
        return 1

    def sender(until: float, counts: list[int], failures: list[str]) -> None:
        try:
            while time.perf_counter() < until:
                message = message_send(partner=partner, document_type=DOCUMENT_TYPE,
                                       documents=[document], actor="bench")  # fmt: skip
                outcome = message_deliver(message.pk)
                if outcome != "delivered":
                    failures.append(outcome)
                    return
                counts[0] += 1
        finally:
            connection.close()

    def sending_process(seconds: float, results: multiprocessing.Queue[tuple[int, str]]) -> None:
        """One delivering process (as a node runs several workers): --senders threads."""
        until = time.perf_counter() + seconds
        counts, failures = [[0] for _ in range(args.senders)], list[str]()
        threads = [threading.Thread(target=sender, args=(until, c, failures)) for c in counts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.put((sum(c[0] for c in counts), failures[0] if failures else ""))

    def end_to_end(seconds: float) -> tuple[int, float]:
        connection.close()  # each forked process opens its own
        fork = multiprocessing.get_context("fork")
        results: multiprocessing.Queue[tuple[int, str]] = fork.Queue()
        processes = [
            fork.Process(target=sending_process, args=(seconds, results))
            for _ in range(args.sender_processes)
        ]
        started = time.perf_counter()
        for process in processes:
            process.start()
        outcomes = [results.get() for _ in processes]
        for process in processes:
            process.join()
        took = time.perf_counter() - started
        failed = next((failure for _, failure in outcomes if failure), "")
        if failed:
            sys.exit(f"an envelope was not delivered: {failed} (see {ru.home}/serve.log)")
        return sum(count for count, _ in outcomes), took

    raw()  # warm: keys unsealed, caches filled
    end_to_end(1.0)
    totals = {"raw": [0, 0.0], "e2e": [0, 0.0]}
    for _round in range(args.rounds):
        done, took = _timed(raw, args.seconds / args.rounds)
        totals["raw"][0] += done
        totals["raw"][1] += took
        done, took = end_to_end(args.seconds / args.rounds)
        totals["e2e"][0] += done
        totals["e2e"][1] += took
    raw_rate = totals["raw"][0] / totals["raw"][1]
    e2e_rate = totals["e2e"][0] / totals["e2e"][1]
    print(
        f"raw XAdES sign+verify: {raw_rate:.1f}/s ({totals['raw'][0]} in {totals['raw'][1]:.1f} s)"
    )
    print(
        f"end to end (sign, send, verify, receipt): {e2e_rate:.1f} envelopes/s "
        f"({totals['e2e'][0]} in {totals['e2e'][1]:.1f} s; {args.sender_processes} x "
        f"{args.senders} senders; "
        f"RU serves {args.processes} x {args.threads})"
    )
    print(f"ratio raw XAdES sign+verify / end to end: {raw_rate / e2e_rate:.2f} (target at most 3)")


if __name__ == "__main__":
    main()
