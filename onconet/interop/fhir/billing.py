"""Invoice and ChargeItem: the office's invoices and their priced lines."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.chargeitem import ChargeItem
from fhir.resources.invoice import Invoice

from onconet.core.params import BIGINT_MAX, int_or_none
from onconet.core.scoping import AnyUser, visible
from onconet.interop.fhir.common import (
    SYSTEM,
    money_value,
    need,
    partner_reference,
    patient_reference,
    service_coding,
    validated,
)
from onconet.tourism import models as office
from onconet.tourism.services import invoice_balance


def _lines(quote: office.Quote) -> list[office.QuoteLine]:
    """A quote's lines in the order they were priced (QuoteLine has no ordering of its own)."""
    return sorted(quote.lines.all(), key=lambda line: line.pk)


def invoice(i: office.Invoice, user: AnyUser) -> dict[str, Any]:
    lines = _lines(i.quote)
    total = money_value(i.total, i.currency)
    data: dict[str, Any] = {
        "resourceType": "Invoice",
        "id": str(i.pk),
        "identifier": [{"system": f"{SYSTEM}/invoice", "value": i.number}],
        # An invoice has no status of its own: issued while anything is owed, balanced once paid or credited.
        "status": "balanced" if invoice_balance(i) <= 0 else "issued",
        "subject": patient_reference(i.referral.patient, user),
        "recipient": partner_reference(i.referral.partner),
        "issuer": {"display": i.quote.contract.our_party},
        "date": i.issued_on.isoformat(),
        "lineItem": [
            {
                "sequence": n,
                "chargeItemReference": {"reference": f"ChargeItem/{line.pk}"},
                "priceComponent": [
                    {"type": "base", "factor": line.quantity, "amount": money_value(line.amount, i.currency)}
                ],
            }
            for n, line in enumerate(lines, 1)
        ],
        # No tax is charged on these medical services, so net and gross are the invoice total.
        "totalNet": total,
        "totalGross": total,
        "paymentTerms": f"Due on {i.due_on.isoformat()}.",
        "note": [{"text": f"Exchange rate pinned at issue: {i.rate} RUB per 1 {i.currency}."}],
    }
    return validated(Invoice, data)


def _visible_invoices(user: AnyUser, what: str) -> QuerySet[Any]:
    need(user, "tourism.view_invoice", what)
    return visible(user, office.Invoice.objects.all())


def invoices(user: AnyUser) -> QuerySet[Any]:
    return (
        _visible_invoices(user, "invoices")
        .select_related("referral__patient", "referral__partner", "quote__contract")
        .prefetch_related("quote__lines")
        .order_by("pk")
    )


def invoice_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    return qs.filter(number=value) if system in (None, f"{SYSTEM}/invoice") else qs.none()


def charge_item(line: office.QuoteLine, user: AnyUser) -> dict[str, Any]:
    quote = line.quote
    i = quote.invoice
    n = [other.pk for other in _lines(quote)].index(line.pk) + 1
    data: dict[str, Any] = {
        "resourceType": "ChargeItem",
        "id": str(line.pk),
        "identifier": [{"system": f"{SYSTEM}/invoice-line", "value": f"{i.number}/{n}"}],
        "status": "billed",
        "code": service_coding(line.service),
        "subject": patient_reference(quote.referral.patient, user),
        "requestingOrganization": partner_reference(quote.referral.partner),
        "enteredDate": quote.issued_on.isoformat(),
        "quantity": {"value": line.quantity},
        "unitPriceComponent": {"type": "base", "amount": money_value(line.unit_price, i.currency)},
        "totalPriceComponent": {
            "type": "base",
            "factor": line.quantity,
            "amount": money_value(line.amount, i.currency),
        },
    }
    return validated(ChargeItem, data)


def charge_items(user: AnyUser) -> QuerySet[Any]:
    """The lines of invoices (an invoice bills its quote's lines). QuoteLine has no scope of its own: a line is
    visible when its invoice is."""
    return (
        office.QuoteLine.objects.filter(quote__invoice__in=_visible_invoices(user, "charge items"))
        .select_related("service", "quote__invoice", "quote__referral__patient", "quote__referral__partner")
        .prefetch_related("quote__lines")
        .order_by("pk")
    )


def charge_item_identifier(qs: QuerySet[Any], system: str | None, value: str) -> QuerySet[Any]:
    """INVOICE/LINE, or an invoice number for all its lines."""
    if system not in (None, f"{SYSTEM}/invoice-line"):
        return qs.none()
    number, _, n = value.rpartition("/")
    line = int_or_none(n, minimum=0, maximum=BIGINT_MAX) if number else None
    if line is None:
        return qs.filter(quote__invoice__number=value)
    pks = list(
        office.QuoteLine.objects.filter(quote__invoice__number=number).order_by("pk").values_list("pk", flat=True)
    )
    return qs.filter(pk=pks[line - 1]) if 1 <= line <= len(pks) else qs.none()
