"""International patient office. This module starts with the partner organisations; the registry,
referrals and money follow in their own issue."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.models import User


class PartnerKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry of health")
    INSURER = "insurer", _("Insurer")
    CLINIC = "clinic", _("Clinic")
    AGENCY = "agency", _("Medical travel agency")
    ASSOCIATION = "association", _("Medical association")


class Partner(models.Model):
    """A foreign organisation that refers patients or cooperates with the network."""

    scope_partner: ClassVar[str] = "id"

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="partners")
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="partner_name_unique_in_country")]

    def __str__(self) -> str:
        return self.name


class PartnerAgent(models.Model):
    """Which partner organisation a partner agent works for. The link lives here, with the partners, and not on
    core's user: core's scoping asks tourism for it (`core.scoping.register_partner_of`)."""

    scope_partner: ClassVar[str] = "partner_id"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="agency", verbose_name=_("user")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="agents", verbose_name=_("partner organisation")
    )

    class Meta:
        ordering = ["partner", "user"]
        verbose_name = _("partner agent")
        verbose_name_plural = _("partner agents")

    def __str__(self) -> str:
        return f"{self.user} ({self.partner})"


class PartnerContact(models.Model):
    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("preferred language"), max_length=3, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


# ---------------------------------------------------------------- services, prices and exchange rates

BASE_CURRENCY = "RUB"  # exchange rates are kept as roubles per unit of a currency


class ServiceKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    RECORDS_REVIEW = "records_review", _("Review of medical records")
    PET_CT = "pet_ct", _("PET-CT")
    PROTON_COURSE = "proton_course", _("Proton therapy course")
    PHOTON_COURSE = "photon_course", _("Photon therapy course")
    ACCOMMODATION = "accommodation", _("Accommodation support")
    INTERPRETER = "interpreter_hour", _("Interpreter, per hour")


class Service(models.Model):
    """A service on the price list, with its base price in roubles."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    protocol = models.CharField(_("protocol"), max_length=100, blank=True, help_text=_("for treatment courses"))
    base_price = models.DecimalField(_("base price, RUB"), max_digits=12, decimal_places=2)
    is_course = models.BooleanField(_("a course of treatment (counts against quotas)"), default=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class ExchangeRate(models.Model):
    """Roubles per one unit of `currency` on `date`."""

    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("RUB per unit"), max_digits=14, decimal_places=6)

    class Meta:
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["date", "currency"], name="one_rate_per_currency_and_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.currency} {self.rate}"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    EXPIRED = "expired", _("expired")


class Contract(models.Model):
    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("number"), max_length=60, unique=True)
    our_party = models.CharField(_("our party"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    prepayment_share = models.DecimalField(_("prepayment share"), max_digits=4, decimal_places=3, default=1)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-valid_from", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="contract_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(prepayment_share__gte=0, prepayment_share__lte=1), name="prepayment_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.partner})"


class ContractService(models.Model):
    """A service the contract covers: a contract price, or a discount on the base price; a monthly quota."""

    scope_partner: ClassVar[str] = "contract__partner_id"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("contract price"), max_digits=12, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    monthly_quota = models.PositiveSmallIntegerField(_("courses a month"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "service"], name="contract_service_unique"),
            models.CheckConstraint(
                condition=models.Q(price__isnull=False) | models.Q(discount_percent__isnull=False),
                name="contract_service_priced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.service.code}"


class ContractDocument(models.Model):
    scope_partner: ClassVar[str] = "contract__partner_id"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="contracts/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------- the foreign patient registry


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class ForeignPatient(models.Model):
    """A paying foreign patient. Kept apart from anything domestic: its own tables and permissions."""

    scope_partner: ClassVar[str] = "partner_id"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(_("family name (Latin)"), max_length=120)
    given_name = models.CharField(_("given names (Latin)"), max_length=120)
    name_native = models.CharField(_("name in native script"), max_length=255, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizenship = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+")
    passport_number = models.CharField(_("passport number"), max_length=40)
    languages = models.JSONField(_("languages spoken"), default=list)
    preferred_language = models.CharField(_("preferred language"), max_length=3)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Set when the office merged a PossibleDuplicate: this record is the same person as that (earlier) record of
    # another partner. Each partner keeps its own record and referrals; only the office follows the link.
    same_person_as = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="also_registered_as",
        verbose_name=_("same person as"),
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("foreign patient")
        verbose_name_plural = _("foreign patients")
        permissions = [
            ("view_passport_number", "Can see foreign patients' full passport numbers"),
            ("export_patient_data", "Can export everything held about a foreign patient"),
            ("anonymise_foreignpatient", "Can anonymise a foreign patient"),
        ]
        constraints = [
            # unique within one partner's registry only: two partners may refer the same person, and refusing the
            # second would tell it that the person is someone else's patient (the office sees PossibleDuplicate)
            models.UniqueConstraint(
                fields=["partner", "citizenship", "passport_number"], name="patient_passport_unique_per_partner"
            ),
        ]
        indexes = [
            # the duplicate check of patient_register compares names case-insensitively (UPPER(...) = UPPER(...))
            models.Index(Upper("family_name"), "date_of_birth", name="patient_upper_name_dob"),
            models.Index(fields=["passport_number"], name="patient_passport"),
        ]
        # The registry search's trigram indexes on the names exist on PostgreSQL only: migration
        # 0005_patient_search_indexes creates them outside the model state. No B-tree may lead with the plain
        # family_name: PostgreSQL would walk it to serve the search's ORDER BY … LIMIT and filter every row.

    def __str__(self) -> str:
        return f"{self.family_name.upper()} {self.given_name}"

    @property
    def audit_label(self) -> str:
        """How the audit log names the patient: by registry number, never by name (anonymisation keeps it true)."""
        return f"foreign patient #{self.pk}"

    @property
    def passport_masked(self) -> str:
        return "•" * max(0, len(self.passport_number) - 3) + self.passport_number[-3:]


class DuplicateMatch(models.TextChoices):
    PASSPORT = "passport", _("same passport")
    NAME_AND_BIRTH_DATE = "name_dob", _("same name and date of birth")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("open")
    MERGED = "merged", _("merged")
    DISMISSED = "dismissed", _("dismissed")


class PossibleDuplicate(models.Model):
    """A newly registered patient who may be a person another partner registered before: the office merges the
    two records or dismisses the match. Partner agents never see these (services and selectors check the role)."""

    existing = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="+")
    newcomer = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="+")
    match = models.CharField(_("match"), max_length=10, choices=DuplicateMatch.choices)
    status = models.CharField(_("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("possible duplicate patient")
        verbose_name_plural = _("possible duplicate patients")
        constraints = [
            models.UniqueConstraint(fields=["existing", "newcomer"], name="possible_duplicate_pair_unique"),
            models.CheckConstraint(
                condition=~models.Q(existing=models.F("newcomer")), name="possible_duplicate_two_records"
            ),
        ]
        indexes = [models.Index(fields=["status", "found_at"], name="possible_duplicate_queue")]

    def __str__(self) -> str:
        return self.audit_label

    @property
    def audit_label(self) -> str:
        """Registry numbers only: the audit log never names a patient."""
        return f"possible duplicate #{self.pk}: patient #{self.newcomer_id} ~ patient #{self.existing_id}"


class Companion(models.Model):
    scope_partner: ClassVar[str] = "patient__partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="companions")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=60)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return f"companion #{self.pk} of patient #{self.patient_id}"


class ConsentKind(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("processing of personal data")
    TREATMENT = "treatment", _("treatment")


class Consent(models.Model):
    scope_partner: ClassVar[str] = "patient__partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=20, choices=ConsentKind.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.patient} {self.kind}"

    @property
    def audit_label(self) -> str:
        return f"consent #{self.pk} of patient #{self.patient_id}"


# ---------------------------------------------------------------- referrals


class ReferralState(models.TextChoices):
    INQUIRY = "inquiry", _("inquiry")
    RECORDS_REQUESTED = "records_requested", _("records requested")
    UNDER_REVIEW = "under_review", _("under medical review")
    MORE_INFO = "more_info", _("more information needed")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    QUOTE_SENT = "quote_sent", _("quote sent")
    QUOTE_ACCEPTED = "quote_accepted", _("quote accepted")
    PREPAID = "prepaid", _("prepaid")
    SCHEDULED = "scheduled", _("scheduled")
    ARRIVED = "arrived", _("arrived")
    IN_TREATMENT = "in_treatment", _("in treatment")
    COMPLETED = "completed", _("completed")
    FOLLOW_UP = "follow_up", _("follow-up")


class Referral(models.Model):
    """A foreign patient's way from the first inquiry to follow-up at home."""

    scope_partner: ClassVar[str] = "partner_id"

    patient = models.ForeignKey(ForeignPatient, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested service")
    )
    state = models.CharField(_("state"), max_length=20, choices=ReferralState.choices, default=ReferralState.INQUIRY)
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now)
    coordinator = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    icd10_codes = models.JSONField(_("diagnoses (ICD-10)"), default=list)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    clinical_summary = models.TextField(_("clinical summary"), blank=True)
    proposed_protocol = models.CharField(_("proposed protocol"), max_length=200, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    latest_start = models.DateField(_("latest start of treatment"), null=True, blank=True)
    start_date = models.DateField(_("start of treatment"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["state", "state_changed_at"], name="referral_queue")]

    def __str__(self) -> str:
        return f"R-{self.pk} {self.patient}"

    @property
    def audit_label(self) -> str:
        return f"R-{self.pk}"


class ReferralEvent(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.action}"

    @property
    def audit_label(self) -> str:
        return f"R-{self.referral_id} {self.action}"


class DocumentKind(models.TextChoices):
    MEDICAL_RECORD = "medical_record", _("medical record")
    IMAGING = "imaging", _("imaging report")
    PATHOLOGY = "pathology", _("pathology report")
    PASSPORT = "passport", _("passport copy")
    OTHER = "other", _("other")


class PatientDocument(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="patients/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name

    @property
    def audit_label(self) -> str:
        return f"document #{self.pk} of R-{self.referral_id}"


# ---------------------------------------------------------------- money


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class Quote(models.Model):
    """Prices of the contract in its currency; the exchange rate of the quote date is pinned."""

    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="quotes")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=30, unique=True)
    issued_on = models.DateField()
    valid_until = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(_("RUB per unit, pinned"), max_digits=14, decimal_places=6)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.service.code} × {self.quantity}"


class Invoice(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="invoices")
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=30, unique=True)
    issued_on = models.DateField()
    due_on = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=14, decimal_places=6)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("payment")
    REFUND = "refund", _("refund")


class Payment(models.Model):
    scope_partner: ClassVar[str] = "invoice__referral__partner_id"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    overpayment = models.BooleanField(default=False, help_text=_("recorded beyond the balance as a credit"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class NumberSeries(models.Model):
    """The last number handed out in a document series of a year (Q-2026-00042): the row is locked while the next
    number is taken, so documents created at the same time never get the same number."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_series_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class CreditNote(models.Model):
    scope_partner: ClassVar[str] = "invoice__referral__partner_id"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=30, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    issued_on = models.DateField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_amount_positive")]

    def __str__(self) -> str:
        return self.number


# ---------------------------------------------------------------- the support desk


class InterpreterBooking(models.Model):
    """An interpreter's time with a patient; an interpreter is never booked twice at once."""

    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="interpreter_bookings")
    interpreter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="interpreter_bookings")
    language = models.CharField(_("language"), max_length=3)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interpreter} {self.starts_at:%Y-%m-%d %H:%M}"


class TaskKind(models.TextChoices):
    VISA_INVITATION = "visa_invitation", _("visa invitation")
    HOTEL = "hotel", _("hotel")
    TRANSFER = "airport_transfer", _("airport transfer")
    COMPANION = "companion", _("companion")
    OTHER = "other", _("other")


class SupportTask(models.Model):
    scope_partner: ClassVar[str] = "referral__partner_id"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_label(self) -> str:
        return f"{self.kind} task #{self.pk} of R-{self.referral_id}"


class MessageTemplate(models.Model):
    """A letter or message in one language; {placeholders} are filled from the referral."""

    code = models.SlugField(_("code"), max_length=40)
    language = models.CharField(_("language"), max_length=3)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["code", "language"]
        constraints = [models.UniqueConstraint(fields=["code", "language"], name="template_unique_per_language")]

    def __str__(self) -> str:
        return f"{self.code} [{self.language}]"
