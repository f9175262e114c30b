"""What operators and citizens read about programmes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from qyzmet.payments.models import PaymentOrder
from qyzmet.payments.payouts import Totals, disbursement_totals
from qyzmet.programmes.models import Offer, OfferStatus, Programme, ProgrammeRun

REFUSALS_READ = 10_000  # refusals whose reasons are tallied (the most recent)


@dataclass(frozen=True)
class ProgrammeStatus:
    programme: Programme
    run: ProgrammeRun | None
    offers: dict[str, int]
    refusals: list[tuple[str, int]] = field(default_factory=list)  # reason (en), count
    money: Totals | None = None
    files: tuple[int, int] = (0, 0)  # written, answered by the bank

    def lines(self) -> list[str]:
        out = [f"programme {self.programme.code}"]
        if self.run is not None:
            state = "finished" if self.run.finished_at else f"at stage {self.run.stage}"
            out.append(f"  last run: started {self.run.started_at:%Y-%m-%d %H:%M}, {state}")
        out += [f"  offers {status}: {n:,}" for status, n in sorted(self.offers.items())]
        out += [f"  refused ({n:,}): {reason}" for reason, n in self.refusals]
        if self.money is not None:
            for status, (n, amount) in sorted(self.money.by_status.items()):
                out.append(f"  orders {status}: {n:,} ({amount / 100:,.2f} KZT)")
            out.append(f"  paid {self.money.paid / 100:,.2f} of budget "
                       f"{self.money.cap / 100:,.2f} KZT (committed "
                       f"{self.money.committed / 100:,.2f})")  # fmt: skip
            out.append(f"  bank files: {self.files[0]:,} written, {self.files[1]:,} answered")
        return out


def programme_status(programme: Programme) -> ProgrammeStatus:
    offers = {
        row["status"]: row["n"]
        for row in Offer.objects.filter(programme=programme)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    }
    refused = Offer.objects.filter(programme=programme, status=OfferStatus.REFUSED)
    reasons: Counter[str] = Counter()
    for explanation in refused.order_by("-pk").values_list("explanation", flat=True)[
        :REFUSALS_READ
    ]:
        lines = (explanation or {}).get("en") or ["(no explanation)"]
        reasons[lines[1].strip(" -") if len(lines) > 1 else lines[0]] += 1
    disbursement = programme.disbursement
    files = (0, 0)
    if disbursement is not None:
        written = disbursement.files.count()
        files = (written, disbursement.files.exclude(report_name=None).count())
    return ProgrammeStatus(
        programme=programme,
        run=programme.runs.order_by("-pk").first(),
        offers=offers,
        refusals=reasons.most_common(10),
        money=disbursement_totals(disbursement) if disbursement is not None else None,
        files=files,
    )


def offers_of(person_id: int | None) -> QuerySet[Offer]:
    """A person's offers and applications to programmes, newest first."""
    return (
        Offer.objects.filter(person_id=person_id or 0)
        .select_related("programme", "case", "appeal")
        .order_by("-created_at")
    )


def order_of(offer: Offer) -> PaymentOrder | None:
    """The payment order an offer led to, if its programme pays and one was made."""
    if offer.programme.disbursement_id is None:
        return None
    return PaymentOrder.objects.filter(
        disbursement_id=offer.programme.disbursement_id, person_id=offer.person_id
    ).first()
