"""Properties of the international office's money (hypothesis):

- `money` rounds half-up to the minor unit (two places), once and for all; `convert` through roubles comes back
  within the rounding of both currencies and is the identity at equal rates;
- a quote's lines are priced by the contract (a contract price, or the base price at the pinned rate less the
  discount), each line is unit price × quantity rounded, and the total is exactly the sum of the lines, never
  negative; the invoice carries the quote's total and rate; bad lines are refused and write nothing;
- payments, refunds and credit notes keep the balance equal to total − credits − payments + refunds; the balance
  never goes below zero except through an explicit overpayment; refunds never exceed what was received; a credit
  note never exceeds the balance; refused input changes nothing;
- the prepayment is confirmed exactly when what was received reaches the contract's share of what is owed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onconet.core.errors import DomainError, InvalidInput
from onconet.core.models import AuditEntry, User
from onconet.tourism import services
from onconet.tourism.models import (
    Contract,
    CreditNote,
    ExchangeRate,
    Invoice,
    Payment,
    PaymentKind,
    Quote,
    QuoteLine,
    Referral,
    Service,
)
from onconet.tourism.money import convert, money
from onconet.tourism.tests.conftest import TODAY

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HALF_CENT = Decimal("0.005")


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever it writes is undone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# ---------------------------------------------------------------- money and convert (no database)

AMOUNTS = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False)
AMOUNTS_IN_CENTS = st.integers(0, 10**11).map(lambda cents: Decimal(cents) / 100)
# roubles per unit, as the rates table keeps them (six places): from the Vietnamese dong to gold
RATES = st.integers(1, 10**13).map(lambda micro: Decimal(micro) / 10**6)


@given(value=AMOUNTS)
@example(value=Decimal("0.005"))
@example(value=Decimal("-0.005"))
@example(value=Decimal("2.675"))  # 2.67499… as a float; a Decimal rounds it up
def test_money_rounds_half_up_to_the_minor_unit_once_and_for_all(value: Decimal) -> None:
    rounded = money(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= HALF_CENT
    assert money(rounded) == rounded
    assert money(-value) == -rounded  # half away from zero, the same both ways
    if abs(rounded - value) == HALF_CENT:
        assert abs(rounded) > abs(value)


@given(amount=AMOUNTS_IN_CENTS, rate_a=RATES, rate_b=RATES)
@example(amount=Decimal("0.01"), rate_a=Decimal("0.000001"), rate_b=Decimal("10000000"))
def test_convert_there_and_back_stays_within_the_rounding_of_both_currencies(
    amount: Decimal, rate_a: Decimal, rate_b: Decimal
) -> None:
    there = convert(amount, rate_from=rate_a, rate_to=rate_b)
    back = convert(there, rate_from=rate_b, rate_to=rate_a)
    assert there.as_tuple().exponent == back.as_tuple().exponent == -2
    # half a cent of B, seen in A, plus half a cent of A
    assert abs(back - amount) <= HALF_CENT * rate_b / rate_a + HALF_CENT + Decimal("1e-20")
    assert convert(amount, rate_from=rate_a, rate_to=rate_a) == amount


@given(first=AMOUNTS_IN_CENTS, second=AMOUNTS_IN_CENTS, rate_a=RATES, rate_b=RATES)
def test_convert_keeps_the_order_of_amounts(first: Decimal, second: Decimal, rate_a: Decimal, rate_b: Decimal) -> None:
    low, high = sorted((first, second))
    assert convert(low, rate_from=rate_a, rate_to=rate_b) <= convert(high, rate_from=rate_a, rate_to=rate_b)


# ---------------------------------------------------------------- quotes


def register_referral(users: dict[str, User]) -> Referral:
    patient = services.patient_register(
        user=users["partner"],
        partner=users["partner"].agency.partner,
        family_name="Ivanova",
        given_name="Maria",
        date_of_birth=TODAY.replace(year=1970),
        sex="F",
        citizenship="BG",
        passport_number="AB1234567",
        preferred_language="bg",
    )
    return services.referral_submit(
        user=users["partner"], patient=patient, service_code="proton-25", icd10_codes=["C71.9"]
    )


@pytest.fixture
def referral(users: dict[str, User], office: dict[str, Any]) -> Referral:
    referral = register_referral(users)
    Referral.objects.filter(pk=referral.pk).update(state="accepted")
    return referral


def money_state() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Quote, QuoteLine, Invoice, Payment, CreditNote, Contract, AuditEntry)
    )


def assert_refused_cleanly(exc: InvalidInput, before: tuple[int, ...], *, field: str) -> None:
    assert exc.errors, "refused input says what is wrong"
    assert all(problem.field.startswith(field) and problem.message for problem in exc.errors)
    assert money_state() == before, "refused input must change nothing"


# a contract line: its own price (two places) or a discount off the base price (0–100 %, two places)
CONTRACT_LINE = st.one_of(
    st.builds(lambda p: {"price": str(p)}, st.integers(0, 10**9).map(lambda c: Decimal(c) / 100)),
    st.builds(lambda d: {"discount_percent": str(d)}, st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)),
)
QUANTITIES = st.integers(1, 99_999).map(lambda c: Decimal(c) / 100) | st.integers(1, 50)


@PROPERTY
@given(
    terms=st.fixed_dictionaries({"proton-25": CONTRACT_LINE, "consult": CONTRACT_LINE, "pet-ct": CONTRACT_LINE}),
    rate=st.integers(1, 10**9).map(lambda micro: Decimal(micro) / 10**6),
    currency=st.sampled_from(["EUR", "USD", "KZT", "RSD", "CZK"]),
    lines=st.lists(
        st.fixed_dictionaries(
            {"service": st.sampled_from(["proton-25", "consult", "pet-ct"])}, optional={"quantity": QUANTITIES}
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_a_quote_totals_its_lines_exactly_and_the_invoice_carries_it(
    users: dict[str, User],
    referral: Referral,
    terms: dict[str, dict[str, str]],
    rate: Decimal,
    currency: str,
    lines: list[dict[str, Any]],
) -> None:
    with rolled_back():
        services.exchange_rate_set(user=users["finance"], day=TODAY, currency=currency, rate=rate)
        contract = services.contract_create(
            user=users["admin"],
            partner=users["partner"].agency.partner,
            number="PROP-1",
            our_party="National proton centre",
            valid_from=TODAY - timedelta(days=1),
            valid_until=TODAY + timedelta(days=30),
            currency=currency,
            status="active",
            services=[{"service": code, **line} for code, line in terms.items()],
        )
        Referral.objects.filter(pk=referral.pk).update(contract=contract)
        expected = []  # (unit price, quantity, amount) of each line, as the contract prices it
        for given_line in lines:
            code, quantity = given_line["service"], Decimal(str(given_line.get("quantity", 1)))
            term = terms[code]
            if "price" in term:
                unit = money(term["price"])
            else:
                base = Service.objects.get(code=code).base_price
                in_currency = convert(base, rate_from=Decimal(1), rate_to=rate)
                unit = money(in_currency * (100 - Decimal(term["discount_percent"])) / 100)
            expected.append((unit, quantity, money(unit * quantity)))
        total = sum((amount for _, _, amount in expected), Decimal(0))
        before = money_state()
        if any(unit >= 10**10 or amount >= 10**12 for unit, _, amount in expected) or total >= 10**12:
            with pytest.raises(InvalidInput, match="not valid") as err:
                services.quote_create(user=users["coordinator"], referral=referral, lines=lines)
            assert all("more than an invoice holds" in p.message for p in err.value.errors)
            assert money_state() == before
            return
        quote = services.quote_create(user=users["coordinator"], referral=referral, lines=lines)

        quote = Quote.objects.get(pk=quote.pk)  # as stored
        assert (quote.currency, quote.rate) == (currency, rate)
        stored_lines = list(quote.lines.select_related("service").order_by("id"))
        assert [line.service.code for line in stored_lines] == [line["service"] for line in lines]
        assert [(line.unit_price, line.quantity, line.amount) for line in stored_lines] == expected
        for line in stored_lines:
            assert line.unit_price >= 0
            assert line.amount == money(line.unit_price * line.quantity) >= 0
        assert quote.total == sum((line.amount for line in stored_lines), Decimal(0)) == total >= 0

        services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
        services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
        invoice = Invoice.objects.get(quote=quote)
        assert (invoice.total, invoice.rate, invoice.currency) == (quote.total, quote.rate, quote.currency)
        assert services.invoice_balance(invoice) == invoice.total


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)
LINE_VALUES = st.one_of(
    JSON,
    st.sampled_from(["proton-25", "consult", "pet-ct", "NaN", "-Infinity", "1e30", "0.001", "abc", "1,5", "0", "-1"]),
    st.decimals(),
)


@PROPERTY
@given(
    lines=st.lists(
        st.dictionaries(st.sampled_from(["service", "quantity", "other"]), LINE_VALUES, max_size=3), max_size=4
    )
)
@example(lines=[{"service": "proton-25", "quantity": "abc"}])
@example(lines=[{"service": "proton-25", "quantity": "NaN"}])
@example(lines=[{"service": "proton-25", "quantity": "Infinity"}])
@example(lines=[{"service": "proton-25", "quantity": 10**12}])
@example(lines=[{"service": "proton-25", "quantity": "0.001"}])
@example(lines=[{"service": ["proton-25"]}])
def test_bad_quote_lines_are_refused_and_write_nothing(
    users: dict[str, User], referral: Referral, lines: list[dict[str, Any]]
) -> None:
    with rolled_back():
        before = money_state()
        try:
            quote = services.quote_create(user=users["coordinator"], referral=referral, lines=lines)
        except InvalidInput as exc:
            assert_refused_cleanly(exc, before, field="lines")
        else:
            quote = Quote.objects.get(pk=quote.pk)
            stored_lines = list(quote.lines.all())
            assert len(stored_lines) == len(lines)
            for line in stored_lines:
                assert line.quantity > 0
                assert line.amount == money(line.unit_price * line.quantity)
            assert quote.total == sum((line.amount for line in stored_lines), Decimal(0))


# ---------------------------------------------------------------- payments, refunds, credit notes


@pytest.fixture
def invoice(users: dict[str, User], referral: Referral) -> Invoice:
    services.quote_create(user=users["coordinator"], referral=referral, lines=[{"service": "proton-25"}])
    services.referral_transition(user=users["coordinator"], referral=referral, name="send_quote")
    services.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    return Invoice.objects.get(referral=referral)


TOTALS = st.integers(1, 10**10).map(lambda cents: Decimal(cents) / 100)
OP_AMOUNTS = st.one_of(
    st.integers(1, 10**9).map(lambda cents: str(Decimal(cents) / 100)),
    st.decimals(min_value=Decimal("-10"), max_value=Decimal("1e7"), allow_nan=False, places=3).map(str),
    st.sampled_from(["0", "0.001", "0.005", "-1", "abc", "NaN", "sNaN", "Infinity", "1e20", "1e40", " 5 ", "1_000"]),
)
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["payment", "overpayment", "refund", "credit"]), OP_AMOUNTS), min_size=1, max_size=8
)


def sums(invoice: Invoice) -> tuple[Decimal, Decimal, Decimal]:
    def total(queryset: Any) -> Decimal:
        return sum(queryset.values_list("amount", flat=True), Decimal(0))

    return (
        total(invoice.payments.filter(kind=PaymentKind.PAYMENT)),
        total(invoice.payments.filter(kind=PaymentKind.REFUND)),
        total(invoice.credit_notes.all()),
    )


def apply(users: dict[str, User], invoice: Invoice, operation: str, amount: str) -> None:
    if operation == "credit":
        services.credit_note_issue(user=users["finance"], invoice=invoice, amount=amount, reason="Goodwill")
    else:
        services.payment_record(
            user=users["finance"],
            invoice=invoice,
            amount=amount,
            paid_on=TODAY,
            kind=PaymentKind.REFUND if operation == "refund" else PaymentKind.PAYMENT,
            overpayment=operation == "overpayment",
        )


@PROPERTY
@given(total=TOTALS, operations=OPERATIONS)
@example(total=Decimal("100.00"), operations=[("credit", "100"), ("refund", "100")])
@example(total=Decimal("100.00"), operations=[("payment", "NaN")])
@example(total=Decimal("100.00"), operations=[("credit", "abc")])
@example(total=Decimal("100.00"), operations=[("overpayment", "1e20")])
def test_the_balance_is_what_is_owed_and_never_negative_without_an_overpayment(
    users: dict[str, User], invoice: Invoice, total: Decimal, operations: list[tuple[str, str]]
) -> None:
    with rolled_back():
        Invoice.objects.filter(pk=invoice.pk).update(total=total)
        invoice.refresh_from_db()
        for operation, amount in operations:
            before = money_state()
            balance_before = services.invoice_balance(invoice)
            try:
                apply(users, invoice, operation, amount)
            except InvalidInput as exc:
                assert_refused_cleanly(exc, before, field="amount")
                continue
            recorded = (Payment if operation != "credit" else CreditNote).objects.latest("id")
            assert recorded.amount == money(amount) > 0
            assert recorded.amount.as_tuple().exponent == -2
            if operation == "payment":
                assert recorded.amount <= balance_before, "more than the balance only as an overpayment"
            if operation == "credit":
                assert recorded.amount <= balance_before
            if operation == "overpayment":
                assert recorded.overpayment == (recorded.amount > balance_before)

            paid, refunded, credited = sums(invoice)
            balance = services.invoice_balance(invoice)
            assert balance == total - credited - paid + refunded
            assert refunded <= paid, "never refund more than was received"
            if not invoice.payments.filter(overpayment=True).exists():
                assert balance >= 0


SHARES = st.integers(0, 1000).map(lambda permille: Decimal(permille) / 1000)


@PROPERTY
@given(
    total=TOTALS,
    share=SHARES,
    operations=st.lists(
        st.tuples(
            st.sampled_from(["payment", "refund", "credit"]),
            st.integers(1, 10**10).map(lambda cents: str(Decimal(cents) / 100)),
        ),
        max_size=5,
    ),
)
@example(total=Decimal("100.00"), share=Decimal("0.5"), operations=[("credit", "50")])
@example(total=Decimal("100.00"), share=Decimal("0.5"), operations=[("credit", "50"), ("payment", "25")])
def test_the_prepayment_is_confirmed_exactly_when_the_share_is_received(
    users: dict[str, User], invoice: Invoice, total: Decimal, share: Decimal, operations: list[tuple[str, str]]
) -> None:
    with rolled_back():
        Invoice.objects.filter(pk=invoice.pk).update(total=total)
        Contract.objects.filter(pk=invoice.referral.contract_id).update(prepayment_share=share)
        invoice.refresh_from_db()
        for operation, amount in operations:
            with suppress(InvalidInput):  # more than the balance, a refund beyond what came in
                apply(users, invoice, operation, amount)
        paid, refunded, credited = sums(invoice)
        received, owed = paid - refunded, total - credited
        if received >= money(owed * share):
            services.referral_transition(user=users["finance"], referral=invoice.referral, name="confirm_prepayment")
        else:
            with pytest.raises(DomainError, match="is required"):
                services.referral_transition(
                    user=users["finance"], referral=invoice.referral, name="confirm_prepayment"
                )


# ---------------------------------------------------------------- revenue in another currency


@PROPERTY
@given(
    total=TOTALS,
    payments=st.lists(st.integers(1, 10**6).map(lambda cents: Decimal(cents) / 100), min_size=1, max_size=4),
    target_rate=RATES.filter(lambda rate: rate < 10**8),
)
def test_revenue_converts_each_partial_payment_at_the_pinned_and_the_day_rates(
    users: dict[str, User], invoice: Invoice, total: Decimal, payments: list[Decimal], target_rate: Decimal
) -> None:
    from onconet.tourism.selectors import revenue

    with rolled_back():
        Invoice.objects.filter(pk=invoice.pk).update(total=total + sum(payments))
        invoice.refresh_from_db()
        ExchangeRate.objects.update_or_create(date=TODAY, currency="USD", defaults={"rate": target_rate})
        for amount in payments:
            services.payment_record(user=users["finance"], invoice=invoice, amount=amount, paid_on=TODAY)
        in_eur = revenue(user=users["finance"], in_currency="EUR", today=TODAY)
        assert [(row["currency"], row["amount"], row["converted"]) for row in in_eur] == [
            ("EUR", sum(payments), sum(payments))  # the invoice's own currency at its own pinned rate
        ]
        in_usd = revenue(user=users["finance"], in_currency="USD", today=TODAY)
        assert [(row["currency"], row["amount"]) for row in in_usd] == [("EUR", sum(payments))]
        converted = in_usd[0]["converted"]
        assert converted.as_tuple().exponent == -2
        # each payment converted on its own: within half a cent each of converting their sum at once
        assert abs(converted - sum(payments) * invoice.rate / target_rate) <= HALF_CENT * len(payments)
