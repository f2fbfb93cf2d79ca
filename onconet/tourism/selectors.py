"""Reads of the international office. A partner agent only ever sees its own partner's records."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput, NotAllowed, NotFound
from onconet.core.models import User
from onconet.core.params import id_or_none
from onconet.core.roles import Role
from onconet.core.scoping import AnyUser, get_visible, require_permission, visible
from onconet.core.workdays import holidays_between, working_day_back, working_days_between
from onconet.tourism.balances import prepayment
from onconet.tourism.models import (
    Contract,
    ContractService,
    ContractStatus,
    CreditNote,
    DuplicateStatus,
    ForeignPatient,
    InterpreterBooking,
    Invoice,
    Partner,
    PartnerAgent,
    PartnerContact,
    Payment,
    PaymentKind,
    PossibleDuplicate,
    QuoteStatus,
    Referral,
    ReferralState,
)
from onconet.tourism.money import rate_on
from onconet.tourism.workflow import REFERRALS, SLA_WORKING_DAYS


def agent_partner(user: AnyUser) -> Partner | None:
    """The partner organisation a partner agent works for (its PartnerAgent link), or None. Read once per user
    object: Django keeps the link on it."""
    link: PartnerAgent | None = getattr(user, "agency", None) if user.is_authenticated else None
    return link.partner if link is not None else None


def referring_partner(user: User, partner_id: int | None) -> Partner:
    """The partner a referral is made for: a partner agent's own organisation (whatever it asks), else the partner
    the office chose among those it may see (404 for any other)."""
    own = agent_partner(user)
    if own is not None:
        return own
    return get_visible(user, Partner.objects.all(), pk=partner_id or 0)


def agent_partner_id(user: User) -> int | None:
    """What core's scoping asks (`register_partner_of`): the partner's id, without loading the partner."""
    link: PartnerAgent | None = getattr(user, "agency", None)
    return link.partner_id if link is not None else None


def partners_list(
    *, user: AnyUser, country: str | None = None, kind: str | None = None, query: str | None = None
) -> QuerySet[Partner]:
    qs = visible(user, Partner.objects.select_related("country")).annotate(contact_count=Count("contacts"))
    if country:
        qs = qs.filter(country__code__iexact=country)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(city__icontains=query))
    return qs.order_by("name")


def partner_contacts(*, user: AnyUser, partner: Partner) -> QuerySet[PartnerContact]:
    """The partner's contact persons, for those who may see them (`tourism.view_partnercontact`): personal data,
    so the analyst, the reviewer and the interpreter, who see the partner, see none of them."""
    if not user.is_authenticated or not user.has_perm("tourism.view_partnercontact"):
        return PartnerContact.objects.none()
    return visible(user, PartnerContact.objects.filter(partner=partner))


def patients_search(*, user: AnyUser, query: str = "") -> QuerySet[ForeignPatient]:
    """The foreign patient registry, searched: every word of `query` must occur in the Latin family or given name or
    the native name (case-insensitive); a number (or P-number) also finds the registry id, and for the roles that
    may see full passport numbers a passport number finds its patient. Results are ordered by name; without a query
    the most recently registered patients come first.

    On PostgreSQL the name lookups use trigram indexes (migration 0005_patient_search_indexes), so a search over
    100,000 patients reads only the matching rows; words shorter than three letters still work but scan the table."""
    if not user.is_authenticated or not user.has_perm("tourism.view_foreignpatient"):
        return ForeignPatient.objects.none()
    qs = visible(user, ForeignPatient.objects.select_related("citizenship"))
    words = query.split()
    if not words:
        return qs.order_by("-pk")
    names = Q()
    for word in words[:MAX_SEARCH_WORDS]:
        names &= Q(family_name__icontains=word) | Q(given_name__icontains=word) | Q(name_native__icontains=word)
    number = "".join(words).upper()
    registry_id = number.removeprefix("P-")  # the registry shows ids as P-123
    pk = id_or_none(registry_id)  # ASCII digits within a bigint ("²" is a digit to isdigit(), not to int())
    if pk is not None:
        names |= Q(pk=pk)
    if 5 <= len(number) <= 40 and user.has_perm("tourism.view_passport_number"):
        names |= Q(passport_number=number)
    return qs.filter(names).order_by("family_name", "given_name", "pk")


MAX_SEARCH_WORDS = 5


def referrals_list(*, user: AnyUser, state: str | None = None) -> QuerySet[Referral]:
    if not user.is_authenticated or not user.has_perm("tourism.view_referral"):
        return Referral.objects.none()
    qs = visible(user, Referral.objects.select_related("patient", "service", "partner"))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("state_changed_at")


def referral_get(*, user: AnyUser, referral_id: int) -> Referral:
    if not user.is_authenticated or not user.has_perm("tourism.view_referral"):
        raise NotFound("No referral matches the given id.")
    return get_visible(
        user, Referral.objects.select_related("patient", "service", "partner", "contract"), pk=referral_id
    )


def is_overdue(referral: Referral, today: date | None = None, holidays: Sequence[date] | None = None) -> bool:
    """Past the service-level target of its current state, in working days (national holidays do not count)."""
    target = SLA_WORKING_DAYS.get(referral.state)  # type: ignore[call-overload]
    if target is None:
        return False
    since = timezone.localdate(referral.state_changed_at)
    return working_days_between(since, today or timezone.localdate(), holidays) > target


def interpreters_speaking(language: str, *, exclude: QuerySet[Any] | None = None) -> list[User]:
    """Active interpreters who speak `language` (ISO 639). The languages are a JSON list, which SQLite cannot
    search, so the list is read once here for every caller (the referral page, the booking check)."""
    people = User.objects.filter(role=Role.INTERPRETER, is_active=True).order_by("username")
    if exclude is not None:
        people = people.exclude(pk__in=exclude)
    return [person for person in people if language.lower() in person.languages]


def interpreter_calendar(*, user: User, days: Sequence[date]) -> list[dict[str, Any]]:
    """Every active interpreter with their bookings on each of `days`: who is free when (the office's staff only;
    a partner agent is refused, its own patients' bookings are on their referrals)."""
    require_permission(user, "tourism.view_referral", action="see interpreters")
    if agent_partner(user) is not None:
        raise NotAllowed("Partner agents do not see the interpreters' calendar.")
    people = list(User.objects.filter(role=Role.INTERPRETER, is_active=True).order_by("username"))
    cells: dict[tuple[int, date], list[InterpreterBooking]] = {}
    bookings = InterpreterBooking.objects.filter(
        interpreter__in=people, ends_at__date__gte=days[0], starts_at__date__lte=days[-1]
    ).select_related("referral__patient")
    for booking in bookings.order_by("starts_at"):
        cells.setdefault((booking.interpreter_id, timezone.localdate(booking.starts_at)), []).append(booking)
    return [{"interpreter": person, "cells": [cells.get((person.pk, day), []) for day in days]} for person in people]


def overdue_q(today: date | None = None) -> Q:
    """`is_overdue` as a database condition: in a state with a target, and changed to it before the day from which
    the target's working days would not yet be exceeded."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    longest = max(SLA_WORKING_DAYS.values()) + 1
    holidays = holidays_between(today - timedelta(days=2 * longest + 60), today)  # read once for every state
    condition = Q(pk__in=[])
    for state, target in SLA_WORKING_DAYS.items():
        first = working_day_back(today, target + 1, holidays)
        since = datetime.combine(first, time.min, tzinfo=zone)
        condition |= Q(state=state, state_changed_at__lt=since)
    return condition


def overdue_ids(referrals: Sequence[Referral], today: date | None = None) -> set[int]:
    """The overdue ones of a list of referrals, reading the holidays once for all of them."""
    today = today or timezone.localdate()
    if not referrals:
        return set()
    since = min(timezone.localdate(r.state_changed_at) for r in referrals)
    holidays = holidays_between(since, today)
    return {r.pk for r in referrals if is_overdue(r, today, holidays)}


def transitions_for(user: User, referral: Referral) -> list[str]:
    """The transitions this user may make now."""
    return REFERRALS.open_to(user, referral.state)


# ---------------------------------------------------------------- the office dashboard and finance


def expiring_contracts(*, user: AnyUser, within_days: int = 60, today: date | None = None) -> QuerySet[Contract]:
    """Active contracts that end within `within_days` (the alert list)."""
    today = today or timezone.localdate()
    return (
        visible(user, Contract.objects.select_related("partner"))
        .filter(
            status=ContractStatus.ACTIVE, valid_until__gte=today, valid_until__lte=today + timedelta(days=within_days)
        )
        .order_by("valid_until")
    )


REACHED = {
    "inquiries": set(ReferralState.values),
    "accepted": {
        s
        for s in ReferralState.values
        if s not in ("inquiry", "records_requested", "under_review", "more_info", "declined")
    },
    "treated": {"in_treatment", "completed", "follow_up"},
}


def funnel(*, user: AnyUser, months: int = 6, today: date | None = None) -> list[dict[str, Any]]:
    """Per month of inquiry and country: inquiries → accepted → treated."""
    today = today or timezone.localdate()
    start = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for created, state, country, partner in (
        referrals_list(user=user)
        .filter(created_at__date__gte=start)
        .values_list("created_at", "state", "partner__country__code", "partner__name")
    ):
        key = (timezone.localtime(created).strftime("%Y-%m"), country)
        row = rows.setdefault(
            key, {"month": key[0], "country": country, "partners": set(), "inquiries": 0, "accepted": 0, "treated": 0}
        )
        row["partners"].add(partner)
        for stage, states in REACHED.items():
            if state in states:
                row[stage] += 1
    return [dict(row, partners=sorted(row["partners"])) for _key, row in sorted(rows.items())]


def median_days_to_treatment(*, user: AnyUser) -> float | None:
    """Median days from the inquiry to the first day of treatment, over referrals that started treatment."""
    days = [
        (start - timezone.localdate(created)).days
        for created, start in referrals_list(user=user)
        .filter(state__in=REACHED["treated"], start_date__isnull=False)
        .values_list("created_at", "start_date")
        if start is not None
    ]
    return float(statistics.median(days)) if days else None


def quota_use(*, user: AnyUser, month: date | None = None) -> list[dict[str, Any]]:
    """Courses started or booked this month against each contract's monthly quota."""
    month = (month or timezone.localdate()).replace(day=1)
    out = []
    for line in ContractService.objects.filter(
        contract__in=visible(user, Contract.objects.filter(status=ContractStatus.ACTIVE)), monthly_quota__isnull=False
    ).select_related("contract__partner", "service"):
        used = Referral.objects.filter(
            contract=line.contract, service=line.service, start_date__year=month.year, start_date__month=month.month
        ).count()
        out.append({"contract": line.contract, "service": line.service, "quota": line.monthly_quota, "used": used})
    return out


def receivables(*, user: AnyUser) -> list[dict[str, Any]]:
    """Open invoices with their balance, oldest due first (one query: the sums are subqueries)."""
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))

    def total(model: Any, **filters: Any) -> Coalesce:
        sums = model.objects.filter(invoice=OuterRef("pk"), **filters).values("invoice").annotate(t=Sum("amount"))
        return Coalesce(Subquery(sums.values("t"), output_field=DecimalField(max_digits=14, decimal_places=2)), zero)

    invoices = visible(user, Invoice.objects.select_related("referral__partner", "referral__patient")).annotate(
        paid=total(Payment, kind=PaymentKind.PAYMENT),
        refunded=total(Payment, kind=PaymentKind.REFUND),
        credited=total(CreditNote),
    )
    out = []
    for invoice in invoices.order_by("due_on"):
        balance = (invoice.total - invoice.credited - invoice.paid + invoice.refunded).quantize(Decimal("0.01"))
        if balance > 0:
            out.append({"invoice": invoice, "balance": balance, "overdue": invoice.due_on < timezone.localdate()})
    return out


def revenue(*, user: AnyUser, in_currency: str = "EUR", today: date | None = None) -> list[dict[str, Any]]:
    """Payments less refunds by month, partner and currency, also converted into `in_currency` at each invoice's
    pinned rate and the target currency's rate of the payment day."""

    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    target_rates: dict[date, Decimal] = {}
    for payment in visible(user, Payment.objects.select_related("invoice__referral__partner")).order_by("paid_on"):
        invoice = payment.invoice
        sign = 1 if payment.kind == PaymentKind.PAYMENT else -1
        key = (payment.paid_on.strftime("%Y-%m"), invoice.referral.partner.name, invoice.currency)
        row = rows.setdefault(
            key, {"month": key[0], "partner": key[1], "currency": key[2], "amount": Decimal(0), "converted": Decimal(0)}
        )
        row["amount"] += sign * payment.amount
        if payment.paid_on not in target_rates:
            try:
                target_rates[payment.paid_on] = rate_on(in_currency, payment.paid_on)
            except InvalidInput:
                target_rates[payment.paid_on] = Decimal(0)
        target = target_rates[payment.paid_on]
        if target:
            row["converted"] += (sign * payment.amount * invoice.rate / target).quantize(Decimal("0.01"))
    return [rows[key] for key in sorted(rows)]


# ---------------------------------------------------------------- possible duplicate patients (the office only)

DUPLICATE_REVIEWERS = frozenset({Role.COORDINATOR, Role.NATIONAL_ADMIN})


def require_duplicate_reviewer(user: AnyUser) -> None:
    """Coordinators and national admins decide possible duplicates. A partner agent is answered as if there were no
    such thing (404): a possible duplicate names another partner's patient. Other roles get 403."""
    if not user.is_authenticated or user.role == Role.PARTNER_AGENT:
        raise NotFound("No possible duplicate matches the given id.")
    if user.role not in DUPLICATE_REVIEWERS:
        raise NotAllowed("Only international office coordinators and national admins review possible duplicates.")


def same_person_records(*, user: AnyUser, patient: ForeignPatient) -> list[ForeignPatient]:
    """The other registrations the office linked to this patient as one person (a merged possible duplicate), for
    coordinators and national admins only: to anyone else, that another partner holds this person is not known."""
    if not user.is_authenticated or user.role not in DUPLICATE_REVIEWERS:
        return []
    person = patient.same_person_as_id or patient.pk
    linked = ForeignPatient.objects.filter(Q(pk=person) | Q(same_person_as_id=person)).exclude(pk=patient.pk)
    return list(visible(user, linked.select_related("partner")).order_by("pk"))


def possible_duplicates_list(
    *, user: AnyUser, status: str | None = DuplicateStatus.OPEN
) -> QuerySet[PossibleDuplicate]:
    """Possible duplicate patients, the newest first (all of them when `status` is None)."""
    require_duplicate_reviewer(user)
    qs = PossibleDuplicate.objects.select_related(
        "existing__partner", "existing__citizenship", "newcomer__partner", "newcomer__citizenship", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-found_at", "-id")


def possible_duplicate_get(*, user: AnyUser, duplicate_id: int | None, lock: bool = False) -> PossibleDuplicate:
    """One possible duplicate (locked until the transaction ends with `lock`), or NotFound."""
    require_duplicate_reviewer(user)
    qs = PossibleDuplicate.objects.select_related(
        "existing__partner", "existing__citizenship", "newcomer__partner", "newcomer__citizenship", "decided_by"
    )
    if lock:
        qs = PossibleDuplicate.objects.select_for_update()
    try:
        if duplicate_id is None:
            raise PossibleDuplicate.DoesNotExist
        return qs.get(pk=duplicate_id)
    except (PossibleDuplicate.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No possible duplicate matches the given id.") from None


# ---------------------------------------------------------------- what waits for each role (its home page)


@dataclass
class WorkList:
    """One list of things waiting for the user: what they are, the first few, how many in all and where the rest
    are. `items` are referrals, invoices' receivables or interpreter bookings, by `kind`."""

    key: str
    title: str
    kind: str  # "referral", "receivable" or "booking"
    items: list[Any]
    count: int
    more_url: str = ""
    empty: str = ""


SHOWN = 6  # items per list on the home page


def _referral_list(key: str, title: str, referrals: QuerySet[Referral], more: str = "", empty: str = "") -> WorkList:
    return WorkList(key, title, "referral", list(referrals[:SHOWN]), referrals.count(), more, empty)


def office_work(*, user: AnyUser, today: date | None = None) -> list[WorkList]:
    """What waits for an office role or a partner agent, in the order it should be done: the coordinator's overdue
    referrals, today's and the week's arrivals and open tasks; the reviewer's referrals to review (with their
    documents); finance's quotes to price, prepayments to confirm and open invoices; a partner's information asked,
    quotes to accept and coming arrivals; an interpreter's bookings. Nothing for other roles."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    queue = reverse("tourism:queue")
    if user.role == Role.INTERPRETER:
        bookings = interpreter_bookings(user=user, since=today)
        return [
            WorkList(
                "bookings",
                str(_("Your bookings")),
                "booking",
                list(bookings[: SHOWN * 2]),
                bookings.count(),
                reverse("tourism:my_bookings_ics"),
                str(_("No bookings from today on.")),
            )
        ]
    referrals = referrals_list(user=user).select_related("patient", "service", "partner", "coordinator")
    state = ReferralState
    week = today + timedelta(days=7)
    arriving = referrals.filter(state=state.SCHEDULED, start_date__gte=today).order_by("start_date")
    lists: list[WorkList] = []
    if user.role == Role.COORDINATOR:
        lists.append(
            _referral_list(
                "overdue",
                str(_("Overdue")),
                referrals.filter(overdue_q(today)).order_by("state_changed_at"),
                f"{queue}?overdue=1",
                str(_("Nothing is past its target.")),
            )
        )
        lists.append(
            _referral_list(
                "arrivals",
                str(_("Arrivals in the next 7 days")),
                arriving.filter(start_date__lte=week),
                f"{queue}?state={state.SCHEDULED}",
                str(_("No arrivals this week.")),
            )
        )
        lists.append(
            _referral_list(
                "new",
                str(_("New inquiries")),
                referrals.filter(state__in=[state.INQUIRY, state.RECORDS_REQUESTED]).order_by("created_at"),
                f"{queue}?state={state.INQUIRY}",
                str(_("No new inquiries.")),
            )
        )
    elif user.role == Role.MEDICAL_REVIEWER:
        lists.append(
            _referral_list(
                "review",
                str(_("To review")),
                referrals.filter(state=state.UNDER_REVIEW)
                .annotate(documents_count=Count("documents"))
                .order_by("state_changed_at"),
                f"{queue}?state={state.UNDER_REVIEW}",
                str(_("Nothing to review.")),
            )
        )
    elif user.role == Role.FINANCE_OFFICER:
        lists.append(
            _referral_list(
                "to_price",
                str(_("Quotes to price")),
                referrals.filter(state=state.ACCEPTED).order_by("state_changed_at"),
                f"{queue}?state={state.ACCEPTED}",
                str(_("No accepted referral waits for a quote.")),
            )
        )
        lists.append(
            _referral_list(
                "prepayments",
                str(_("Prepayments to confirm")),
                referrals.filter(state=state.QUOTE_ACCEPTED).order_by("state_changed_at"),
                f"{queue}?state={state.QUOTE_ACCEPTED}",
                str(_("No prepayment waits for confirmation.")),
            )
        )
        open_invoices = receivables(user=user)
        open_invoices.sort(key=lambda r: (not r["overdue"], r["invoice"].due_on))
        lists.append(
            WorkList(
                "receivables",
                str(_("Open invoices")),
                "receivable",
                open_invoices[:SHOWN],
                len(open_invoices),
                reverse("tourism:dashboard"),
                str(_("Every invoice is paid.")),
            )
        )
    elif agent_partner(user) is not None:
        lists.append(
            _referral_list(
                "info",
                str(_("Information asked of you")),
                referrals.filter(state=state.MORE_INFO).order_by("state_changed_at"),
                f"{queue}?state={state.MORE_INFO}",
                str(_("The office asks nothing of you.")),
            )
        )
        lists.append(
            _referral_list(
                "quotes",
                str(_("Quotes to accept")),
                referrals.filter(state=state.QUOTE_SENT).order_by("state_changed_at"),
                f"{queue}?state={state.QUOTE_SENT}",
                str(_("No quote waits for you.")),
            )
        )
        lists.append(
            _referral_list(
                "arrivals",
                str(_("Coming arrivals")),
                arriving,
                f"{queue}?state={state.SCHEDULED}",
                str(_("No arrivals are scheduled.")),
            )
        )
    return lists


def interpreter_bookings(*, user: User, since: date) -> QuerySet[InterpreterBooking]:
    """The interpreter's own bookings that end on `since` or later, first first, with where and for whom."""
    return (
        InterpreterBooking.objects.filter(interpreter=user, ends_at__date__gte=since)
        .select_related("referral__patient", "referral__service")
        .order_by("starts_at")
    )


def step_blockers(referral: Referral) -> dict[str, str]:
    """The steps of the referral's state that would be refused now, each with what is missing: the page shows them
    without a button and says why (the services check the same again, under lock, when a step is taken)."""
    blocked: dict[str, str] = {}
    if referral.state == ReferralState.ACCEPTED and not referral.quotes.filter(status=QuoteStatus.DRAFT).exists():
        blocked["send_quote"] = str(_("Prepare a quote first: there is no quote to send."))
    if referral.state == ReferralState.QUOTE_SENT and not referral.quotes.filter(status=QuoteStatus.SENT).exists():
        blocked["accept_quote"] = str(_("There is no sent quote to accept."))
    if referral.state == ReferralState.QUOTE_ACCEPTED:
        status = prepayment(referral)
        if status is None:
            blocked["confirm_prepayment"] = str(_("There is no invoice yet: the partner accepts the quote first."))
        elif not status.enough:
            blocked["confirm_prepayment"] = status.refusal()
    return blocked
