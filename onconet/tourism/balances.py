"""What an invoice has received and what a referral's prepayment stands at (reads, shared by the services that
check them and the pages that show them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from onconet.tourism.models import Invoice, PaymentKind, Referral
from onconet.tourism.money import money, shown


def received(invoice: Invoice) -> Decimal:
    """Payments less refunds."""
    paid = Decimal(0)
    for kind, amount in invoice.payments.values_list("kind", "amount"):
        paid += amount if kind == PaymentKind.PAYMENT else -amount
    return paid


def credited(invoice: Invoice) -> Decimal:
    return sum((c for c in invoice.credit_notes.values_list("amount", flat=True)), Decimal(0))


def invoice_balance(invoice: Invoice) -> Decimal:
    """What is still owed: total − credit notes − payments + refunds (negative: a credit)."""
    return money(invoice.total - credited(invoice) - received(invoice))


@dataclass(frozen=True)
class Prepayment:
    """What the contract asks to be paid first of a referral's latest invoice, and what is received."""

    share: Decimal  # of what is owed, 0–1
    owed: Decimal  # the invoice less its credit notes
    required: Decimal
    received: Decimal
    currency: str

    @property
    def enough(self) -> bool:
        return self.received >= self.required

    def refusal(self) -> str:
        """What is missing, in the reader's language: "A prepayment of 50 % is required (€16,000.00); 30 % is
        received (€9,600.00)." """
        received_share = self.received / self.owed * 100 if self.owed else Decimal(0)
        return _(
            "A prepayment of %(share)s %% is required (%(required)s); %(received_share)s %% is received (%(received)s)."
        ) % {
            "share": floatformat(self.share * 100, -1),
            "required": shown(self.required, self.currency),
            "received_share": floatformat(received_share, -1),
            "received": shown(self.received, self.currency),
        }


def prepayment(referral: Referral, *, lock: bool = False) -> Prepayment | None:
    """The prepayment of the referral's latest invoice (None: no invoice yet). With `lock`, in the caller's
    transaction the invoice stays locked, so a refund recorded at the same moment lands before the check or after
    it, never unseen in between. A credit note lowers what is owed; it is not a payment."""
    invoices = referral.invoices.select_for_update() if lock else referral.invoices.all()
    invoice = invoices.order_by("-issued_on", "-id").first()
    if invoice is None:
        return None
    share = Decimal(referral.contract.prepayment_share if referral.contract else 1)
    owed = invoice.total - credited(invoice)
    return Prepayment(share, owed, money(owed * share), received(invoice), invoice.currency)
