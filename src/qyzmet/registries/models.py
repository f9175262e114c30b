"""Base registries. Each row is the current version of a record; every earlier version
is kept in :class:`RecordVersion` (see ``versioning.py`` and docs/decisions/0002)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from qyzmet.identity.models import Organisation, Person


class Record(models.Model):
    """What every registry record has: when its current version took effect."""

    valid_from = models.DateTimeField(db_default=Now())

    class Meta:
        abstract = True


class AddressKind(models.IntegerChoices):
    REGION = 1, _("region")
    DISTRICT = 2, _("district")
    SETTLEMENT = 3, _("settlement")
    STREET = 4, _("street")
    BUILDING = 5, _("building")
    FLAT = 6, _("flat")


class AddressUnit(Record):
    """One level of the address register; ``code`` is its stable public identifier."""

    code = models.BigIntegerField(unique=True)
    kind = models.PositiveSmallIntegerField(choices=AddressKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)
    name_kk = models.CharField(max_length=120)
    name_ru = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)

    class Meta:
        verbose_name = _("address unit")
        verbose_name_plural = _("address units")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name_en} ({self.code})"


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class PopulationRecord(Record):
    """The population register's record of one person."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="population")
    surname_kk = models.CharField(max_length=80)
    given_name_kk = models.CharField(max_length=80)
    patronymic_kk = models.CharField(max_length=80, blank=True)
    surname_ru = models.CharField(max_length=80)
    given_name_ru = models.CharField(max_length=80)
    patronymic_ru = models.CharField(max_length=80, blank=True)
    surname_lat = models.CharField(max_length=80)
    given_name_lat = models.CharField(max_length=80)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    citizenship = models.CharField(max_length=3, db_default="KAZ")
    address = models.ForeignKey(AddressUnit, null=True, blank=True, on_delete=models.PROTECT)
    registered_since = models.DateField(null=True, blank=True)
    death_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("population record")
        verbose_name_plural = _("population records")
        indexes = [models.Index(fields=["surname_lat", "given_name_lat"])]

    def __str__(self) -> str:
        return f"{self.surname_lat} {self.given_name_lat}"


class FamilyRelation(models.TextChoices):
    PARENT = "parent", _("parent")
    SPOUSE = "spouse", _("spouse")


class FamilyLink(Record):
    """``relative`` is the parent (or spouse) of ``person``; each link is stored once."""

    # Indexed by the unique constraint (person first) and the (relative, relation) index.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    relative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    relation = models.CharField(max_length=8, choices=FamilyRelation.choices)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("family link")
        verbose_name_plural = _("family links")
        indexes = [models.Index(fields=["relative", "relation"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "relation", "since"], name="unique_family_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.relative_id} {self.relation} of {self.person_id}"


class PropertyKind(models.TextChoices):
    FLAT = "flat", _("flat")
    HOUSE = "house", _("house")
    LAND = "land", _("land plot")
    COMMERCIAL = "commercial", _("commercial premises")


class RealEstateObject(Record):
    cadastral_number = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=PropertyKind.choices)
    address = models.ForeignKey(AddressUnit, on_delete=models.PROTECT)
    area_dm2 = models.PositiveIntegerField(help_text="area in square decimetres (m² x 100)")

    class Meta:
        verbose_name = _("real estate object")
        verbose_name_plural = _("real estate objects")

    def __str__(self) -> str:
        return self.cadastral_number


class RealEstateOwnership(Record):
    """A share in a real estate object held by a person or an organisation."""

    estate = models.ForeignKey(RealEstateObject, on_delete=models.PROTECT, related_name="owners")
    owner_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    owner_organisation = models.ForeignKey(  # rare: see the partial index below
        Organisation, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    share_numerator = models.PositiveIntegerField()
    share_denominator = models.PositiveIntegerField()
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("real estate ownership")
        verbose_name_plural = _("real estate ownerships")
        indexes = [
            models.Index(
                fields=["owner_organisation"],
                condition=models.Q(owner_organisation__isnull=False),
                name="ownership_by_organisation",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_person__isnull=True)
                ^ models.Q(owner_organisation__isnull=True),
                name="ownership_has_one_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(share_numerator__gt=0)
                & models.Q(share_numerator__lte=models.F("share_denominator")),
                name="ownership_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share_numerator}/{self.share_denominator} of {self.estate_id}"


class Vehicle(Record):
    vin = models.CharField(max_length=17, unique=True)
    plate = models.CharField(max_length=12)
    make = models.CharField(max_length=40)
    model = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    owner_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    owner_organisation = models.ForeignKey(  # rare: see the partial index below
        Organisation, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    registered_on = models.DateField()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        indexes = [
            models.Index(
                fields=["owner_organisation"],
                condition=models.Q(owner_organisation__isnull=False),
                name="vehicle_by_organisation",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_person__isnull=True)
                ^ models.Q(owner_organisation__isnull=True),
                name="vehicle_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.make} {self.model}"


class LegalEntityStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    LIQUIDATED = "liquidated", _("liquidated")


class LegalEntityRecord(Record):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="legal_entity"
    )
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    legal_form = models.CharField(max_length=40)
    address = models.ForeignKey(AddressUnit, null=True, blank=True, on_delete=models.PROTECT)
    head = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    registered_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=LegalEntityStatus.choices, default=LegalEntityStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return self.name_en


class Employment(Record):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    employer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=80)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")

    def __str__(self) -> str:
        return f"{self.person_id} at {self.employer_id}"


class Income(Record):
    """Income paid to a person by an organisation for one month, in minor units."""

    person = models.ForeignKey(  # indexed by (person, period)
        Person, on_delete=models.PROTECT, related_name="incomes", db_index=False
    )
    payer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="first day of the month")
    amount = models.BigIntegerField(help_text="minor units (tiyn)")
    currency = models.CharField(max_length=3, db_default="KZT")

    class Meta:
        verbose_name = _("income")
        verbose_name_plural = _("incomes")
        indexes = [models.Index(fields=["person", "period"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period:%Y-%m}: {self.amount}"


class BenefitKind(models.TextChoices):
    OLD_AGE_PENSION = "old_age_pension", _("old-age pension")
    DISABILITY = "disability", _("disability benefit")
    CHILD_BIRTH = "child_birth", _("birth benefit")
    CHILD_CARE = "child_care", _("childcare benefit (under 1.5 years)")
    LARGE_FAMILY = "large_family", _("large family benefit")
    TARGETED_ASSISTANCE = "targeted_assistance", _("targeted social assistance")


class BenefitAward(Record):
    """A pension or benefit being paid to a person, monthly, in minor units."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="benefits")
    kind = models.CharField(max_length=24, choices=BenefitKind.choices)
    monthly_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, db_default="KZT")
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("pension or benefit")
        verbose_name_plural = _("pensions and benefits")

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class RecordVersion(models.Model):
    """An earlier version of any registry record: its field values while it was current."""

    registry = models.CharField(max_length=40)
    record_id = models.BigIntegerField()
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField()
    data = models.JSONField()
    reason = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["registry", "record_id", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.registry}#{self.record_id} until {self.valid_to:%Y-%m-%d}"


class GenerationRun(models.Model):
    """Progress of ``qyzmet registry generate``: which chunks are loaded, so it can resume."""

    seed = models.BigIntegerField()
    persons = models.PositiveIntegerField()
    chunk_size = models.PositiveIntegerField()
    chunks_done = models.JSONField(default=list)
    started_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seed", "persons"], name="one_run_per_population")
        ]

    def __str__(self) -> str:
        return f"seed {self.seed}, {self.persons} persons"


class EventKind(models.TextChoices):
    BIRTH = "birth-registered", _("birth registered")
    DEATH = "death-registered", _("death registered")
    MARRIAGE = "marriage-registered", _("marriage registered")


class RegistryEvent(models.Model):
    """A life event written to the registries, kept in the same transaction as the write:
    the journal proactive services read in order (``id``), so none is missed or read twice.
    ``persons`` are whom it concerns: a child's parents, a deceased's close relatives,
    both spouses."""

    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    persons = models.JSONField(_("persons concerned (ids)"), default=list)
    on = models.DateField(_("date of the event"))
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("registry event")
        verbose_name_plural = _("registry events")

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}"
