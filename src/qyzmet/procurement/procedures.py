"""The procedures as data: which stages each passes through, how its bids are taken, and
its periods (the minimums in law, configurable per country in
``QYZMET_PROCUREMENT_PERIODS``; the worker's timer moves tenders on when a period ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from qyzmet.procurement.models import Procedure, Stage


@dataclass(frozen=True)
class ProcedureRules:
    procedure: Procedure
    method: str  # OCDS procurementMethod
    submission: str  # OCDS submissionMethod
    stages: tuple[Stage, ...]  # in order, from publication to the contract
    sealed: bool  # bids encrypted to the tender key until the committee opens them
    multiple_bidders: bool

    def after(self, stage: Stage) -> Stage:
        return self.stages[self.stages.index(stage) + 1]

    def period(self, name: str) -> timedelta:
        """One of: tendering (the least time from publication to the deadline), enquiries
        (questions close this long before the deadline), auction_round, standstill."""
        return timedelta(seconds=settings.QYZMET_PROCUREMENT_PERIODS[self.procedure][name])

    @property
    def auction_rounds(self) -> int:
        return int(settings.QYZMET_PROCUREMENT_PERIODS[self.procedure].get("auction_rounds", 0))


_AFTER_BIDS = (Stage.QUALIFICATION, Stage.STANDSTILL, Stage.CONTRACTING, Stage.COMPLETE)

PROCEDURES: dict[str, ProcedureRules] = {
    Procedure.OPEN_TENDER: ProcedureRules(
        Procedure.OPEN_TENDER, "open", "electronicSubmission",
        (Stage.ENQUIRIES, Stage.TENDERING, Stage.OPENING, *_AFTER_BIDS),
        sealed=True, multiple_bidders=True,
    ),
    Procedure.PRICE_QUOTATION: ProcedureRules(
        Procedure.PRICE_QUOTATION, "open", "electronicSubmission",
        (Stage.TENDERING, Stage.OPENING, *_AFTER_BIDS),
        sealed=True, multiple_bidders=True,
    ),
    Procedure.REVERSE_AUCTION: ProcedureRules(
        Procedure.REVERSE_AUCTION, "open", "electronicAuction",
        (Stage.ENQUIRIES, Stage.TENDERING, Stage.OPENING, Stage.AUCTION, *_AFTER_BIDS),
        sealed=True, multiple_bidders=True,
    ),
    # One named supplier offers; nobody competes, so nothing is sealed or opened.
    Procedure.SINGLE_SOURCE: ProcedureRules(
        Procedure.SINGLE_SOURCE, "direct", "electronicSubmission",
        (Stage.TENDERING, Stage.QUALIFICATION, Stage.CONTRACTING, Stage.COMPLETE),
        sealed=False, multiple_bidders=False,
    ),
}  # fmt: skip


def rules_of(procedure: str) -> ProcedureRules:
    return PROCEDURES[procedure]
