"""Money: quotes, invoices, payments, credit notes and what a referral has paid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from onconet.core.audit import audit_record
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, raise_problems
from onconet.core.models import AuditAction, User
from onconet.core.params import decimal_or_none
from onconet.core.scoping import get_visible
from onconet.tourism.balances import invoice_balance, received
from onconet.tourism.models import (
    ContractStatus,
    CreditNote,
    Invoice,
    NumberSeries,
    Payment,
    PaymentKind,
    Quote,
    QuoteLine,
    QuoteStatus,
    Referral,
)
from onconet.tourism.money import CENT, MAX_AMOUNT, amount_in, convert, money, rate_on
from onconet.tourism.services.access import require_step

# ---------------------------------------------------------------- quotes, invoices, payments


def _next_number(series: str) -> str:
    """The next number of a document series this year (Q-2026-00042). The series' counter row stays locked until
    the caller's transaction ends, so documents created at the same moment never share a number; a number whose
    transaction rolls back is given again."""
    year = timezone.localdate().year
    with transaction.atomic():
        # get_or_create survives a parallel first use: the loser's INSERT fails on the unique key and it reads
        NumberSeries.objects.get_or_create(series=series, year=year)
        counter = NumberSeries.objects.select_for_update().get(series=series, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{series}-{year}-{counter.last:05d}"


MAX_UNIT_PRICE = Decimal(10) ** 10  # QuoteLine.unit_price: 12 digits, two of them after the point
MAX_QUANTITY = Decimal(10) ** 6  # QuoteLine.quantity: 8 digits, two of them after the point


def _quantity(value: object, field: str, problems: list[FieldProblem]) -> Decimal | None:
    """A quote line's quantity: a number above 0, below a million, with at most two decimals."""
    quantity = decimal_or_none(value)
    if quantity is None or not quantity.is_finite():
        problems.append(FieldProblem("must be a number", field, str(value)))
    elif not 0 < quantity < MAX_QUANTITY:
        problems.append(FieldProblem(f"must be > 0 and < {MAX_QUANTITY:,}", field, str(quantity)))
    elif quantity != quantity.quantize(CENT):
        problems.append(FieldProblem("at most two decimals", field, str(quantity)))
    else:
        return quantity
    return None


def quote_create(
    *, user: User, referral: Referral, lines: list[dict[str, Any]], issued_on: date | None = None, valid_days: int = 30
) -> Quote:
    """Price the referral's services by its contract, in the contract's currency, pinning the day's rate."""
    require_step(user, "quote")
    referral = get_visible(user, Referral.objects.select_related("contract"), pk=referral.pk)
    issued_on = issued_on or timezone.localdate()
    contract = referral.contract
    if contract is None:
        raise DomainError("The referral has no contract: the partner has no active contract covering the service.")
    if contract.status != ContractStatus.ACTIVE or not contract.valid_from <= issued_on <= contract.valid_until:
        raise DomainError(
            f"Contract {contract.number} is not in force on {issued_on.isoformat()} ({contract.status}, "
            f"{contract.valid_from}–{contract.valid_until})."
        )
    covered = {line.service.code: line for line in contract.services.select_related("service")}
    problems = []
    rate = rate_on(contract.currency, issued_on)
    priced = []
    for index, item in enumerate(lines):
        code = item.get("service", "")
        line = covered.get(code) if isinstance(code, str) else None
        if line is None:
            problems.append(
                FieldProblem(
                    f"not covered by contract {contract.number}", f"lines[{index}].service", item.get("service")
                )
            )
            continue
        quantity = _quantity(item.get("quantity", 1), f"lines[{index}].quantity", problems)
        if quantity is None:
            continue
        if line.price is not None:
            unit = line.price
        else:
            base = convert(line.service.base_price, rate_from=Decimal(1), rate_to=rate)
            unit = money(base * (100 - (line.discount_percent or 0)) / 100)
        amount = money(unit * quantity)
        if unit >= MAX_UNIT_PRICE or amount >= MAX_AMOUNT:
            problems.append(
                FieldProblem(f"{amount} {contract.currency} is more than an invoice holds", f"lines[{index}]", code)
            )
            continue
        priced.append(QuoteLine(service=line.service, quantity=quantity, unit_price=unit, amount=amount))
    if not lines:
        problems.append(FieldProblem("add at least one service", "lines"))
    if sum((line.amount for line in priced), Decimal(0)) >= MAX_AMOUNT:
        problems.append(FieldProblem(f"the total is more than an invoice holds ({MAX_AMOUNT:,})", "lines"))
    raise_problems(problems, "The quote is not valid.")
    with transaction.atomic():
        quote = Quote.objects.create(
            referral=referral,
            contract=contract,
            number=_next_number("Q"),
            issued_on=issued_on,
            valid_until=issued_on + timedelta(days=valid_days),
            currency=contract.currency,
            rate=rate,
            total=money(sum((line.amount for line in priced), Decimal(0))),
        )
        for quote_line in priced:
            quote_line.quote = quote
        QuoteLine.objects.bulk_create(priced)
        audit_record(actor=user, action=AuditAction.CREATE, obj=quote)
    return quote


def _invoice_from_quote(quote: Quote) -> Invoice:
    quote.status = QuoteStatus.ACCEPTED
    quote.save(update_fields=["status"])
    today = timezone.localdate()
    return Invoice.objects.create(
        referral=quote.referral,
        quote=quote,
        number=_next_number("INV"),
        issued_on=today,
        due_on=today + timedelta(days=14),
        currency=quote.currency,
        rate=quote.rate,
        total=quote.total,
    )


def payment_record(
    *,
    user: User,
    invoice: Invoice,
    amount: Decimal | str,
    paid_on: date,
    kind: str = PaymentKind.PAYMENT,
    overpayment: bool = False,
    reference: str = "",
) -> Payment:
    """Record a payment or a refund; more than the balance only as an explicit overpayment credit."""
    require_step(user, "pay")
    value = amount_in(amount)  # not NaN, not beyond what the column stores
    if value <= 0:
        raise InvalidInput("The amount must be positive.", errors=[FieldProblem("must be > 0", "amount", str(value))])
    if kind not in PaymentKind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.")
    with transaction.atomic():
        # The invoice row is the lock of its money: the balance read here cannot change before this payment is
        # written, so twenty identical payments (or refunds) at once pass the checks exactly as often as they fit.
        invoice = _invoice_locked(user, invoice)
        balance = invoice_balance(invoice)
        if kind == PaymentKind.PAYMENT and value > balance and not overpayment:
            raise InvalidInput(
                f"The payment {value} {invoice.currency} is more than the balance {balance} {invoice.currency}; "
                "record it as an overpayment credit if that is intended.",
                errors=[FieldProblem("more than the balance", "amount", str(value))],
            )
        if kind == PaymentKind.REFUND:
            paid = received(invoice)  # money that came in; a credit note is no payment to give back
            if value > paid:
                raise InvalidInput(
                    f"A refund of {value} is more than what was paid ({paid}).",
                    errors=[FieldProblem("more than paid", "amount", str(value))],
                )
        payment = Payment.objects.create(
            invoice=invoice,
            kind=kind,
            amount=value,
            paid_on=paid_on,
            reference=reference,
            overpayment=overpayment and value > balance,
            recorded_by=user,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=payment, message=f"{kind} {value} {invoice.currency}")
    return payment


def _invoice_locked(user: User, invoice: Invoice) -> Invoice:
    """The invoice, re-read and locked until the transaction ends (404 outside the user's scope)."""
    return get_visible(user, Invoice.objects.select_for_update(of=("self",)), pk=invoice.pk)


def credit_note_issue(*, user: User, invoice: Invoice, amount: Decimal | str, reason: str) -> CreditNote:
    """Lower what is owed on an invoice, by at most its balance (checked with the invoice locked)."""
    require_step(user, "credit")
    value = amount_in(amount)
    if not reason.strip():
        raise InvalidInput("Say why the credit is given.", errors=[FieldProblem("required", "reason")])
    with transaction.atomic():
        invoice = _invoice_locked(user, invoice)
        if value <= 0 or value > invoice_balance(invoice):
            raise InvalidInput(
                "A credit note must be positive and at most the balance.",
                errors=[FieldProblem("out of range", "amount", str(value))],
            )
        note = CreditNote.objects.create(
            invoice=invoice,
            number=_next_number("CN"),
            amount=value,
            reason=reason.strip(),
            issued_on=timezone.localdate(),
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=note)
    return note
