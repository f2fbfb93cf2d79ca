"""Money under concurrency: identical requests at the same moment pass the balance checks only as often as they fit,
and parallel documents never share a number. Each thread has its own database connection (a real transaction), so
these run on the SQLite file of the test settings and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from onconet.core import services as core_services
from onconet.tourism import services
from onconet.tourism.models import Invoice, Payment, Quote, Referral
from onconet.tourism.tests.conftest import TODAY
from onconet.tourism.tests.test_office import referral_for

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 20


def at_once(work: Callable[[int], Any], times: int = PARALLEL) -> list[Any]:
    """Run `work(i)` in `times` threads released together; each result, or the exception's repr."""
    barrier = threading.Barrier(times)
    results: list[Any] = [None] * times

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def accepted_referral(users: dict[str, Any], office: dict[str, Any]) -> Referral:
    referral = referral_for(users, office)
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    return referral


def invoiced(users: dict[str, Any], office: dict[str, Any]) -> Invoice:
    """An invoice of 32,000.00 EUR (the proton course), through the pipeline."""
    referral = accepted_referral(users, office)
    services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
    services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
    services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    invoice = Invoice.objects.get(referral=referral)
    assert invoice.total == Decimal("32000.00")
    return invoice


def test_twenty_identical_payments_then_twenty_refunds(transactional_db, users, office):
    invoice = invoiced(users, office)
    _token, raw = core_services.api_token_create(user=users["finance"], name="bank feed")

    def post(kind: str) -> Callable[[int], Any]:
        def send(_i: int) -> tuple[int, dict[str, Any]]:
            response = Client().post(
                f"/api/v1/invoices/{invoice.pk}/payments",
                data={"amount": "32000", "paid_on": TODAY.isoformat(), "kind": kind},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            return response.status_code, response.json()

        return send

    payments = at_once(post("payment"))
    assert all(isinstance(p, tuple) for p in payments), payments
    assert sorted(status for status, _body in payments) == [201] + [400] * (PARALLEL - 1), payments
    assert {body["detail"] for status, body in payments if status == 400} == {
        "The payment 32000.00 EUR is more than the balance 0.00 EUR; "
        "record it as an overpayment credit if that is intended."
    }
    assert [body["balance"] for status, body in payments if status == 201] == ["0.00"]
    assert list(Payment.objects.values_list("kind", "amount", "overpayment")) == [
        ("payment", Decimal("32000.00"), False)
    ]

    refunds = at_once(post("refund"))
    assert all(isinstance(r, tuple) for r in refunds), refunds
    assert sorted(status for status, _body in refunds) == [201] + [400] * (PARALLEL - 1), refunds
    assert {body["detail"] for status, body in refunds if status == 400} == {
        "A refund of 32000.00 is more than what was paid (0.00)."
    }
    assert Payment.objects.filter(kind="refund").count() == 1
    assert services.invoice_balance(invoice) == Decimal("32000.00")


def test_payments_refunds_and_credit_notes_of_the_services_hold_at_once(transactional_db, users, office):
    """The services themselves (the page and the API call them): each kind passes exactly once when one fits."""
    invoice = invoiced(users, office)
    finance = users["finance"]

    def record(kind: str) -> Callable[[int], Any]:
        return lambda _i: (
            services.payment_record(user=finance, invoice=invoice, amount="32000", paid_on=TODAY, kind=kind).kind
        )

    def credit(_i: int) -> str:
        return services.credit_note_issue(user=finance, invoice=invoice, amount="32000", reason="Goodwill").number

    refused = "InvalidInput("
    for work, done in (
        (record("payment"), "payment"),
        (record("refund"), "refund"),
        (credit, f"CN-{TODAY.year}-00001"),
    ):
        outcomes = at_once(work)
        assert outcomes.count(done) == 1, outcomes
        assert sum(str(o).startswith(refused) for o in outcomes) == PARALLEL - 1, outcomes
    assert list(Payment.objects.order_by("pk").values_list("kind", "amount")) == [
        ("payment", Decimal("32000.00")),
        ("refund", Decimal("32000.00")),
    ]
    assert list(invoice.credit_notes.values_list("amount", flat=True)) == [Decimal("32000.00")]
    assert services.invoice_balance(invoice) == Decimal("0.00")


def test_parallel_quotes_get_distinct_numbers(transactional_db, users, office):
    referral = accepted_referral(users, office)

    def quote(_i: int) -> str:
        return services.quote_create(
            user=users["coordinator"], referral=referral, lines=[{"service": "consult"}]
        ).number

    numbers = at_once(quote, 10)
    year = TODAY.year
    assert sorted(numbers) == [f"Q-{year}-{n:05d}" for n in range(1, 11)], numbers
    assert Quote.objects.count() == 10
