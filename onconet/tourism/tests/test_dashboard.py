"""The office dashboard's figures on a small, hand-made history."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from onconet.core.tests.factories import HolidayFactory
from onconet.tourism import selectors, services
from onconet.tourism.models import Referral
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.factories import ExchangeRateFactory
from onconet.tourism.tests.test_office import referral_for, register

pytestmark = pytest.mark.django_db


def paid_and_scheduled(users, referral, start):
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
    services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
    services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    services.payment_record(user=users["finance"], invoice=referral.invoices.get(), amount="16000", paid_on=TODAY)
    services.referral_transition(user=users["finance"], referral=referral, name="confirm_prepayment")
    services.referral_schedule(referral=referral, planner=users["admin"], start_date=start)


def test_funnel_quota_receivables_revenue(users, office):
    first = referral_for(users, office)
    other = register(
        users["partner"],
        users["partner"].agency.partner,
        family_name="Petrov",
        given_name="Ivan",
        passport_number="CD7654321",
        sex="M",
    )
    services.referral_submit(user=users["partner"], patient=other, service_code="consult", icd10_codes=["C61"])
    Referral.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=20))
    paid_and_scheduled(users, first, TODAY + timedelta(days=2))
    for name in ("arrive", "start_treatment"):
        services.referral_transition(user=users["coordinator"], referral=first, name=name)
    rows = selectors.funnel(user=users["coordinator"])
    assert sum(r["inquiries"] for r in rows) == 2
    assert sum(r["accepted"] for r in rows) == 1
    assert sum(r["treated"] for r in rows) == 1
    assert selectors.median_days_to_treatment(user=users["coordinator"]) == 22
    quotas = selectors.quota_use(user=users["coordinator"], month=TODAY + timedelta(days=2))
    assert [(q["service"].code, q["used"], q["quota"]) for q in quotas] == [("proton-25", 1, 1)]
    owed = selectors.receivables(user=users["finance"])
    assert [item["balance"] for item in owed] == [Decimal("16000.00")]
    # revenue in EUR: the invoice is in EUR at 100 RUB pinned; EUR costs 100 on the payment day → 16,000 EUR
    revenue = selectors.revenue(user=users["finance"])
    assert [(r["currency"], r["amount"], r["converted"]) for r in revenue] == [
        ("EUR", Decimal("16000.00"), Decimal("16000.00"))
    ]
    # in USD at 80 RUB: 16,000 × 100 / 80 = 20,000
    ExchangeRateFactory(date=TODAY - timedelta(days=10), currency="USD", rate=Decimal("80"))
    assert selectors.revenue(user=users["finance"], in_currency="USD")[0]["converted"] == Decimal("20000.00")
    # a partner agent of another partner sees none of it
    assert selectors.funnel(user=users["partner2"]) == []
    assert selectors.receivables(user=users["partner2"]) == []


def test_expiring_contracts(users, office):
    assert list(selectors.expiring_contracts(user=users["coordinator"])) == []
    office["contract"].valid_until = TODAY + timedelta(days=30)
    office["contract"].save()
    assert list(selectors.expiring_contracts(user=users["coordinator"])) == [office["contract"]]
    assert list(selectors.expiring_contracts(user=users["partner2"])) == []


def test_overdue_after_the_service_level(users, office):
    referral = referral_for(users, office)
    assert selectors.is_overdue(referral) is False
    referral.state_changed_at = timezone.now() - timedelta(days=10)  # inquiry allows 2 working days
    assert selectors.is_overdue(referral) is True
    assert selectors.working_days_between(TODAY, TODAY + timedelta(days=7)) == 5


def test_the_service_level_does_not_count_national_holidays(users, office):
    referral = referral_for(users, office)  # an inquiry: 2 working days
    friday = dt.date(2031, 3, 7)
    referral.state_changed_at = timezone.make_aware(dt.datetime.combine(friday, dt.time(12)))
    wednesday = friday + timedelta(days=5)
    assert selectors.is_overdue(referral, today=wednesday) is True  # Monday, Tuesday, Wednesday
    HolidayFactory(date=friday + timedelta(days=3), name="Spring holiday")
    HolidayFactory(date=friday + timedelta(days=4), name="Spring holiday")
    assert selectors.is_overdue(referral, today=wednesday) is False  # Wednesday only
    assert selectors.overdue_ids([referral], today=wednesday) == set()  # the holidays read once for a whole list
    assert selectors.overdue_ids([referral], today=wednesday + timedelta(days=2)) == {referral.pk}


def test_dashboard_page(client, users, office):
    referral_for(users, office)
    client.force_login(users["finance"])
    response = client.get("/office/dashboard/")
    assert response.status_code == 200
    assert response.context["receivables"] == []
    client.force_login(users["partner"])
    assert client.get("/office/dashboard/").context["receivables"] is None


def test_finance_tables_download(client, users, office):
    first = referral_for(users, office)
    paid_and_scheduled(users, first, TODAY + timedelta(days=2))
    client.force_login(users["finance"])
    revenue = client.get("/office/dashboard/?table=revenue&format=csv").content.decode("utf-8-sig").splitlines()
    assert revenue[0] == "month,partner,currency,amount,eur_at_pinned_rates"
    assert revenue[1].endswith(",EUR,16000.00,16000.00")
    assert client.get("/office/dashboard/?table=receivables&format=xlsx").content[:2] == b"PK"
    client.force_login(users["partner"])
    assert client.get("/office/dashboard/?table=revenue&format=csv")["Content-Type"].startswith("text/html")


def test_receivables_match_the_invoice_balance(users, office):
    first = referral_for(users, office)
    paid_and_scheduled(users, first, TODAY + timedelta(days=2))
    invoice = first.invoices.get()
    services.credit_note_issue(user=users["finance"], invoice=invoice, amount="1000", reason="Goodwill")
    services.payment_record(user=users["finance"], invoice=invoice, amount="500", paid_on=TODAY, kind="refund")
    # 32,000 − 1,000 credit − 16,000 paid + 500 refunded
    assert services.invoice_balance(invoice) == Decimal("15500.00")
    assert [item["balance"] for item in selectors.receivables(user=users["finance"])] == [Decimal("15500.00")]
