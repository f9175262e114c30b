"""How fast does procurement take sealed bids, and export its open data, against plain JSON?

    .venv/bin/python bench/procurement.py [--releases 1000000] [--bid-seconds 10]

Creates a scratch database (``qyzmet_bench_procurement``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, sets up the
platform PKI in a temporary QYZMET_HOME, and measures:

- sealed bids accepted per second: ``bid_submit`` end to end (checks, encryption to the
  tender key, the platform seal's signed receipt, an RFC 3161 time stamp, the row, the
  audit entry), suppliers bidding in turn on price-quotation tenders;
- OCDS releases exported per second: ``releases_export`` (``qyzmet procurement export``)
  of --releases releases into a file, as one release package. The releases are those of
  real tenders run through the services (publication, bids, amendment, opening, award,
  complaint, standstill, contract, signatures, milestones), copied under new ocids with
  COPY until there are --releases of them;
- plain JSON: ``json.dumps`` of the same releases (as dicts, held in memory) into a file.

The last line printed is the ratio of plain JSON serialisation per second to export per
second (target: at most 2). The scratch database is dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scratch_databases import drop, recreate, with_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet_bench"
PERIODS = {  # seconds: the bench runs tenders through on the real timers
    "open-tender": {"tendering": 1, "enquiries": 0.3, "standstill": 0.3},
    "price-quotation": {"tendering": 1, "enquiries": 0, "standstill": 0.3},
    "reverse-auction": {"tendering": 1, "enquiries": 0.3, "standstill": 0.3,
                        "auction_round": 0.3, "auction_rounds": 1},
    "single-source": {"tendering": 1, "enquiries": 0, "standstill": 0},
}  # fmt: skip
BIDDERS = 60
PASSWORD = "bench password 1"  # noqa: S105 - synthetic accounts in a scratch database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--bid-seconds", type=float, default=10.0)
    parser.add_argument("--database", default="qyzmet_bench_procurement")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/procurement.py measures on PostgreSQL: set QYZMET_DATABASE_URL to one")
    admin_url = with_database(server_url, "postgres")
    recreate(admin_url, args.database)
    os.environ["QYZMET_DATABASE_URL"] = with_database(server_url, args.database)
    home = Path(tempfile.mkdtemp(prefix="qyzmet-bench-procurement-"))
    os.environ["QYZMET_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    try:
        run(args, home)
    finally:
        if not args.keep:
            drop(admin_url, args.database)


def run(args: argparse.Namespace, home: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.QYZMET_PROCUREMENT_PERIODS = PERIODS
    call_command("migrate", verbosity=0, interactive=False)
    market = Market.make()

    bids, took = market.bids_for(args.bid_seconds)
    print(f"sealed bids accepted: {bids / took:,.1f}/s ({bids:,} in {took:.1f} s; "
          f"encrypted, sealed receipt, time stamp)")  # fmt: skip

    templates = market.lifecycles(3)
    started = time.perf_counter()
    copied = _copy_releases(templates, args.releases)
    print(f"releases in the database: {copied:,} (copied from {len(templates)} real ones "
          f"in {time.perf_counter() - started:.0f} s)")  # fmt: skip

    from qyzmet.procurement.ocds import releases_export

    export_file, plain_file = home / "export.json", home / "plain.json"
    started = time.perf_counter()
    with export_file.open("w", encoding="utf-8") as out:
        exported = releases_export(out, uri="https://example.test/export.json")
    export_seconds = time.perf_counter() - started
    assert exported == copied, (exported, copied)

    releases = list(_same_releases(templates, copied))
    started = time.perf_counter()
    with plain_file.open("w", encoding="utf-8") as out:
        for release in releases:
            out.write(json.dumps(release, ensure_ascii=False, separators=(",", ":")))
    plain_seconds = time.perf_counter() - started
    with export_file.open(encoding="utf-8") as check:
        head = check.read(2000)
    assert head.startswith('{"uri"')
    assert '"releases":[{' in head

    export_rate, plain_rate = exported / export_seconds, len(releases) / plain_seconds
    size = export_file.stat().st_size / 2**20
    print(f"OCDS releases exported: {export_rate:,.0f}/s ({exported:,} in {export_seconds:.1f} s, "
          f"{size:,.0f} MiB, one release package)")  # fmt: skip
    print(f"plain JSON serialisation of the same releases: {plain_rate:,.0f}/s "
          f"({len(releases):,} in {plain_seconds:.1f} s)")  # fmt: skip
    print(f"ratio plain JSON serialisation / export: {plain_rate / export_rate:.2f} "
          f"(target at most 2)")  # fmt: skip


def _same_releases(templates: list[dict[str, Any]], count: int) -> Any:
    """The releases the database holds, as dicts: the templates under each copy's ocid."""
    for n in range(count):
        template = templates[n % len(templates)]
        copy, ocid = dict(template), _copy_ocid(template["ocid"], n // len(templates))
        copy["ocid"], copy["id"] = ocid, template["id"].replace(template["ocid"], ocid)
        yield copy


def _copy_ocid(ocid: str, number: int) -> str:
    return f"{ocid[:-12]}{number:012d}"  # the public id's last group, renumbered


def _copy_releases(templates: list[dict[str, Any]], count: int) -> int:
    """Fill the release table with ``count`` releases: the templates' bodies under new
    ocids, written with COPY."""
    from django.db import connection

    from qyzmet.procurement.models import Release

    Release.objects.all().delete()
    bodies = [json.dumps(t, ensure_ascii=False, separators=(",", ":")) for t in templates]
    table = Release._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {table} (ocid, release_id, date, tags, body) FROM STDIN"
    ) as copy:  # fmt: skip
        for n in range(count):
            index = n % len(templates)
            template, body = templates[index], bodies[index]
            ocid = _copy_ocid(template["ocid"], n // len(templates))
            copy.write_row((ocid, template["id"].replace(template["ocid"], ocid),
                            template["date"], json.dumps(template["tag"]),
                            body.replace(template["ocid"], ocid)))  # fmt: skip
    return count


class Market:
    """A buyer, a committee of three, BIDDERS registered suppliers."""

    def __init__(self, buyer: Any, officer: Any, committee: list[Any], bidders: list[Any]) -> None:
        self.buyer, self.officer, self.committee, self.bidders = buyer, officer, committee, bidders

    @classmethod
    def make(cls) -> Market:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        from qyzmet.identity.models import AccountKind, OfficerRole, Organisation, Person
        from qyzmet.identity.national_ids import bin_build, iin_build
        from qyzmet.identity.services import (
            agency_ensure_defaults,
            citizen_account_create,
            staff_account_create,
        )
        from qyzmet.procurement.sealed_bids import public_key_bytes
        from qyzmet.procurement.services import opening_key_register, supplier_register
        from qyzmet.registries import models as m
        from qyzmet.trust.authority import trust_init

        trust_init()
        buyer = next(a for a in agency_ensure_defaults() if a.code == "education")

        def officer(name: str) -> Any:
            return staff_account_create(
                username=name, password=PASSWORD, kind=AccountKind.OFFICER,
                display_name=name, agency=buyer, roles=(OfficerRole.REVIEWER,),
            )  # fmt: skip

        committee = [(officer(f"member{n}"), X25519PrivateKey.generate()) for n in range(3)]
        for account, key in committee:  # each registers the pair made on their own device
            opening_key_register(account=account, public_key=public_key_bytes(key.public_key()))
        bidders = []
        serials = iter(range(1, 10_000))
        for n in range(BIDDERS):  # synthetic: numbers that pass the checksum, nobody real
            iin = next(i for i in map(lambda s: iin_build(date(1980, 1, 1), "M", s), serials) if i)
            bin_ = next(
                b for b in map(lambda s: bin_build(date(2015, 3, 1), 4, 0, s), serials) if b
            )
            head = Person.objects.create(iin=iin)
            organisation = Organisation.objects.create(bin=bin_)
            m.LegalEntityRecord.objects.create(
                organisation=organisation, name_kk=f"Supplier {n}", name_ru=f"Supplier {n}",
                name_en=f"Supplier {n} LLP", legal_form="LLP", registered_on=date(2015, 3, 1),
                head=head,
            )  # fmt: skip
            account = citizen_account_create(iin=head.iin, password=PASSWORD)
            bidders.append((supplier_register(account=account, bin_=organisation.bin), account))
        return cls(buyer, officer("buyer"), committee, bidders)

    def tender(self, procedure: str, *, seconds: float) -> Any:
        from django.utils import timezone

        from qyzmet.procurement.services import (
            LotDraft,
            tender_create,
            tender_publish,
        )

        draft = tender_create(
            buyer=self.buyer, procedure=procedure, title="Office paper", category="goods",
            lots=[LotDraft("Paper A4", "30197630-1", "Printing paper", 500, "pack", 900_000_00),
                  LotDraft("Paper A3", "30197630-1", "Printing paper", 100, "pack", 300_000_00)],
            tender_end=timezone.now() + timedelta(seconds=seconds),
            committee=[account for account, _key in self.committee],
            threshold=2, actor="bench",
        )  # fmt: skip
        return tender_publish(tender=draft, actor="bench")

    def bids_for(self, seconds: float) -> tuple[int, float]:
        """Suppliers bid in turn, a tender after another (one bid per supplier each)."""
        from qyzmet.procurement.services import bid_submit

        placed, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            tender = self.tender("price-quotation", seconds=3600)
            for supplier, account in self.bidders:
                bid_submit(tender=tender, supplier=supplier, account=account,
                           prices={1: 800_000_00 + placed, 2: 250_000_00})  # fmt: skip
                placed += 1
                if time.perf_counter() - started >= seconds:
                    break
        return placed, time.perf_counter() - started

    def lifecycles(self, count: int) -> list[dict[str, Any]]:
        """Run ``count`` open tenders through every step (publication, bids, an amendment
        two bidders confirm, opening, a claim, awards, standstill, both signatures, a
        milestone); their releases, as published."""
        from django.utils import timezone

        from qyzmet.procurement.awarding import (
            award_qualify,
            complaint_decide,
            complaint_file,
            contract_milestone,
            contract_sign,
            tenders_advance,
        )
        from qyzmet.procurement.models import ComplaintKind, Contract, Release, Tender
        from qyzmet.procurement.sealed_bids import seal_open, share_context
        from qyzmet.procurement.services import (
            bid_confirm,
            bid_submit,
            share_hand_in,
            tender_amend,
        )
        from qyzmet.trust.jws import jws_sign

        def wait(moment: Any) -> None:
            time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.05)

        signers = {account.pk: _signer(account) for account in
                   [self.officer, *(account for _, account in self.bidders[:3])]}  # fmt: skip
        for _ in range(count):
            tender = self.tender("open-tender", seconds=2.0)
            wait(tender.enquiry_end)
            tenders_advance()
            bids = [
                bid_submit(tender=tender, supplier=supplier, account=account,
                           prices={1: 850_000_00 - n * 1000, 2: 280_000_00 + n * 1000})
                for n, (supplier, account) in enumerate(self.bidders[:3])
            ]  # fmt: skip
            tender_amend(tender=tender, changes={"description": "Recycled paper"},
                         rationale="Clarified", actor="bench")  # fmt: skip
            for bid, (_, account) in zip(bids[:2], self.bidders[:2], strict=True):
                bid_confirm(bid=bid, account=account)
            wait(tender.tender_end)
            tenders_advance()
            tender = Tender.objects.get(pk=tender.pk)
            for account, key in self.committee[:2]:
                sealed = bytes(tender.committee.get(account=account).sealed_share or b"")
                context = share_context(str(tender.public_id), str(account.public_id))
                share_hand_in(tender=tender, account=account,
                              share=seal_open(key, sealed, context=context))  # fmt: skip
            tender = Tender.objects.get(pk=tender.pk)
            supplier, account = self.bidders[2]
            complaint = complaint_file(tender=tender, supplier=supplier, kind=ComplaintKind.CLAIM,
                                       title="Paper weight", text="Is 80 g/m2 required?",
                                       account=account)  # fmt: skip
            complaint_decide(complaint=complaint, upheld=False, resolution="Yes, 80 g/m2.",
                             account=self.officer)  # fmt: skip
            for award in tender.awards.all():
                award_qualify(award=award, qualified=True, account=self.officer)
            wait(Tender.objects.get(pk=tender.pk).standstill_end)
            tenders_advance()
            for contract in Contract.objects.filter(award__tender=tender).select_related(
                "award__bid__supplier"
            ):
                supplier_account = next(
                    a for s, a in self.bidders if s.pk == contract.award.bid.supplier_id
                )
                for who in (self.officer, supplier_account):
                    contract_sign(contract=contract, account=who, signature=jws_sign(
                        contract.terms.encode(), signer=signers[who.pk]))  # fmt: skip
                contract_milestone(contract=contract, title="Delivery", met=True,
                                   due=timezone.now() + timedelta(days=10),
                                   account=self.officer)  # fmt: skip
        return [json.loads(r.body) for r in Release.objects.order_by("id")]


def _signer(account: Any) -> Any:
    """The account's signing key, from a key file the platform issues it."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from qyzmet.trust.authority import key_file_issue
    from qyzmet.trust.signer import SigningIdentity

    _certificate, key_file = key_file_issue(account=account, password=PASSWORD,
                                            algorithm="ecdsa-p256", actor="bench")  # fmt: skip
    key, certificate, chain = pkcs12.load_key_and_certificates(key_file, PASSWORD.encode())
    return SigningIdentity(key, certificate, tuple(chain))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
