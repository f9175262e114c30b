"""What public procurement holds for citizen A and B, each the head of a registered
supplier, so that every /api/v1/procurement endpoint has something to act on.

The buyer is agency X; its officer (officer X) is the whole evaluation committee (one
share opens the bids) and signs contracts with a key file. Deadlines lie days ahead; a
tender meant to be past its deadline has it moved back, as the clock would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.utils import timezone

from qyzmet.identity.models import Account, Agency
from qyzmet.procurement.awarding import (
    award_qualify,
    complaint_file,
    contract_sign,
    tenders_advance,
)
from qyzmet.procurement.models import (
    AwardCriteria,
    Bid,
    ComplaintKind,
    Contract,
    Procedure,
    Tender,
)
from qyzmet.procurement.ocds import ocid_of
from qyzmet.procurement.sealed_bids import public_key_bytes, seal_open, share_context
from qyzmet.procurement.services import (
    LotDraft,
    bid_submit,
    opening_key_register,
    plan_item_add,
    share_hand_in,
    supplier_register,
    tender_amend,
    tender_create,
    tender_publish,
)
from qyzmet.registries import models as m
from qyzmet.trust.authority import chain_of, x509_of
from qyzmet.trust.jws import jws_sign
from qyzmet.trust.models import Certificate
from qyzmet.trust.signer import SigningIdentity, SigningKey
from tests import factories

BUYER = "internal-affairs"  # agency X
PRICE = 4_200_000_00


@dataclass(frozen=True)
class Tendering:
    supplier_bin: str  # the subject's registered supplier
    spare_bin: str  # an entity the subject heads and has not registered
    draft_id: UUID  # agency X's draft
    open_id: UUID  # taking bids; amended after the subject's bid, which awaits confirmation
    open_ocid: str
    bid_id: UUID  # that bid, sealed
    fresh_id: UUID  # taking bids, none yet
    opened_id: UUID  # opened: the subject's bid first, its award pending, a claim pending
    award_id: UUID
    claim_id: UUID
    scoring_id: UUID  # best value, opened, waiting for the committee's quality scores
    scoring_bid_id: UUID
    auction_bid_id: UUID  # the subject's bid in a reverse auction's first round
    contract_id: UUID  # awaiting both signatures
    contract_tender_id: UUID  # its tender
    contract_signature: str  # the subject's JWS over its terms
    active_contract_id: UUID  # signed by both
    opening_key: bytes  # officer X's opening key (raw X25519), as on their device
    plan_item_id: UUID  # a line of agency X's plan


def _officer() -> Account:
    return Account.objects.get(username="officer.x")


def _identity(certificate: Certificate, key: SigningKey) -> SigningIdentity:
    return SigningIdentity(key, x509_of(certificate), chain_of(certificate))


def _tender(
    procedure: Procedure, opening: X25519PrivateKey, *, days: int = 8,
    criteria: AwardCriteria = AwardCriteria.LOWEST_PRICE, publish: bool = True,
) -> Tender:  # fmt: skip
    officer = _officer()
    tender = tender_create(
        buyer=Agency.objects.get(code=BUYER), procedure=procedure, title=f"Radios ({procedure})",
        category="goods",
        lots=[LotDraft("Radios", "32230000-4", "Radio transmission apparatus", 40, "piece",
                       5_000_000_00)],
        tender_end=timezone.now() + timedelta(days=days),
        committee=[officer], threshold=1,
        award_criteria=criteria, price_weight=60 if criteria == AwardCriteria.BEST_VALUE else 100,
        actor="test",
    )  # fmt: skip
    return tender_publish(tender=tender, actor="test") if publish else tender


def _clock_past(tender: Tender, field: str) -> Tender:
    """As if the period had run out: the timer then moves the tender on."""
    Tender.objects.filter(pk=tender.pk).update(**{field: timezone.now() - timedelta(seconds=1)})
    tenders_advance()
    return Tender.objects.get(pk=tender.pk)


def officer_share(tender: Tender, opening: X25519PrivateKey) -> bytes:
    """Officer X's share of ``tender``'s key, opened with their key as on their device."""
    officer = _officer()
    sealed = tender.committee.get(account=officer).sealed_share
    context = share_context(str(tender.public_id), str(officer.public_id))
    return seal_open(opening, bytes(sealed or b""), context=context)


def _opened(tender: Tender, opening: X25519PrivateKey) -> Tender:
    tender = _clock_past(tender, "tender_end")
    share_hand_in(tender=tender, account=_officer(), share=officer_share(tender, opening))
    return Tender.objects.get(pk=tender.pk)


def tendering_build(
    account: Account, own_key: tuple[Certificate, SigningKey],
    officer_key: tuple[Certificate, SigningKey], serial: int,
) -> Tendering:  # fmt: skip
    person = account.person
    assert person is not None
    entities = []
    for n in (1, 2):
        organisation = factories.organisation(f"Supplier {serial}-{n} LLP")
        m.LegalEntityRecord.objects.filter(organisation=organisation).update(head=person)
        entities.append(organisation)
    supplier = supplier_register(account=account, bin_=entities[0].bin)
    opening = X25519PrivateKey.generate()
    officer = _officer()
    # Officer X registers the pair made on their device (the tenders built now seal to it);
    # officer Y has one too.
    opening_key_register(account=officer, public_key=public_key_bytes(opening.public_key()))
    opening_key_register(
        account=Account.objects.get(username="officer.y"),
        public_key=public_key_bytes(X25519PrivateKey.generate().public_key()),
    )

    def bid(tender: Tender) -> Bid:
        return bid_submit(tender=tender, supplier=supplier, prices={1: PRICE}, account=account)

    plan_item = plan_item_add(
        buyer=Agency.objects.get(code=BUYER), year=timezone.localdate().year, quarter=4,
        title="Radios", cpv="32230000-4", cpv_description="Radio transmission apparatus",
        quantity=40, unit="piece", budget=5_000_000_00, procedure=Procedure.PRICE_QUOTATION,
        rationale="Patrol radios wear out", actor="test",
    )  # fmt: skip
    draft = _tender(Procedure.PRICE_QUOTATION, opening, publish=False)
    open_tender = _tender(Procedure.PRICE_QUOTATION, opening)
    sealed = bid(open_tender)
    tender_amend(tender=open_tender, changes={"description": "Handheld radios"},
                 rationale="Clarified", actor="test")  # fmt: skip
    fresh = _tender(Procedure.PRICE_QUOTATION, opening)

    opened = _tender(Procedure.PRICE_QUOTATION, opening)
    bid(opened)
    opened = _opened(opened, opening)
    award = opened.awards.get()
    claim = complaint_file(tender=opened, supplier=supplier, kind=ComplaintKind.CLAIM,
                           title="Lot description", text="Which frequency band?",
                           account=account)  # fmt: skip

    scoring = _tender(Procedure.PRICE_QUOTATION, opening, criteria=AwardCriteria.BEST_VALUE)
    scoring_bid = bid(scoring)
    _opened(scoring, opening)

    auction = _tender(Procedure.REVERSE_AUCTION, opening, days=9)
    auction = _clock_past(auction, "enquiry_end")
    auction_bid = bid(auction)
    _opened(auction, opening)

    officer_signer = _identity(*officer_key)
    own_signer = _identity(*own_key)
    contracts = []
    for _ in range(2):
        tender = _tender(Procedure.PRICE_QUOTATION, opening)
        bid(tender)
        tender = _opened(tender, opening)
        award_qualify(award=tender.awards.get(), qualified=True, account=officer)
        _clock_past(tender, "standstill_end")
        contracts.append(Contract.objects.get(award__tender=tender))
    pending, active = contracts
    for signer, who in ((officer_signer, officer), (own_signer, account)):
        contract_sign(contract=active, signature=jws_sign(active.terms.encode(), signer=signer),
                      account=who)  # fmt: skip
    return Tendering(
        supplier_bin=supplier.organisation.bin, spare_bin=entities[1].bin, draft_id=draft.public_id,
        open_id=open_tender.public_id, open_ocid=ocid_of(open_tender), bid_id=sealed.public_id,
        fresh_id=fresh.public_id, opened_id=opened.public_id, award_id=award.public_id,
        claim_id=claim.public_id, scoring_id=scoring.public_id,
        scoring_bid_id=scoring_bid.public_id, auction_bid_id=auction_bid.public_id,
        contract_id=pending.public_id,
        contract_tender_id=pending.award.tender.public_id,
        contract_signature=jws_sign(pending.terms.encode(), signer=own_signer),
        active_contract_id=active.public_id,
        plan_item_id=plan_item.public_id,
        opening_key=opening.private_bytes(serialization.Encoding.Raw,
                                          serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption()),
    )  # fmt: skip
