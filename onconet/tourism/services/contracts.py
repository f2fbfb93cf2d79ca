"""Contracts with partners: services, prices, quotas, prepayment share and signed documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from onconet.core.audit import audit_record
from onconet.core.errors import FieldProblem, InvalidInput, raise_problems
from onconet.core.models import AuditAction, User
from onconet.core.scoping import get_visible, require_permission
from onconet.tourism.models import (
    Contract,
    ContractDocument,
    ContractService,
    ContractStatus,
    Partner,
    Service,
)
from onconet.tourism.money import currency_code, money

# ---------------------------------------------------------------- contracts
from onconet.tourism.services.registry import checked_upload


def contract_create(
    *,
    user: User,
    partner: Partner,
    number: str,
    our_party: str,
    valid_from: date,
    valid_until: date,
    currency: str,
    prepayment_share: Decimal | str = "1",
    status: str = ContractStatus.DRAFT,
    services: list[dict[str, Any]] | None = None,
) -> Contract:
    """A contract with the services it covers (price or discount, monthly quota)."""
    require_permission(user, "tourism.add_contract", action="add contracts")
    partner = get_visible(user, Partner.objects.all(), pk=partner.pk)
    problems = []
    code = ""
    try:
        code = currency_code(currency)
    except InvalidInput as exc:
        problems.extend(exc.errors)
    if valid_until < valid_from:
        problems.append(FieldProblem("ends before it starts", "valid_until", valid_until.isoformat()))
    share = Decimal(str(prepayment_share))
    if not 0 <= share <= 1:
        problems.append(FieldProblem("must be between 0 and 1", "prepayment_share", str(share)))
    if status not in ContractStatus.values:
        problems.append(FieldProblem(f"must be one of {', '.join(ContractStatus.values)}", "status", status))
    if Contract.objects.filter(number=number.strip()).exists():
        problems.append(FieldProblem("already used", "number", number))
    catalogue = {s.code: s for s in Service.objects.all()}
    lines = []
    for index, item in enumerate(services or []):
        service = catalogue.get(item.get("service", ""))
        if service is None:
            problems.append(FieldProblem("unknown service", f"services[{index}].service", item.get("service")))
            continue
        price = item.get("price")
        discount = item.get("discount_percent")
        if price is None and discount is None:
            problems.append(FieldProblem("give a price or a discount", f"services[{index}]", service.code))
        if discount is not None and not 0 <= Decimal(str(discount)) <= 100:
            problems.append(FieldProblem("must be 0–100", f"services[{index}].discount_percent", discount))
        lines.append(
            ContractService(
                service=service,
                price=None if price is None else money(price),
                discount_percent=None if discount is None else Decimal(str(discount)),
                monthly_quota=item.get("monthly_quota"),
            )
        )
    raise_problems(problems, "The contract is not valid.")
    with transaction.atomic():
        contract = Contract.objects.create(
            partner=partner,
            number=number.strip(),
            our_party=our_party,
            valid_from=valid_from,
            valid_until=valid_until,
            currency=code,
            prepayment_share=share,
            status=status,
        )
        for line in lines:
            line.contract = contract
        ContractService.objects.bulk_create(lines)
        audit_record(actor=user, action=AuditAction.CREATE, obj=contract)
    return contract


def contract_document_add(
    *, user: User, contract: Contract, title: str, data: bytes, filename: str
) -> ContractDocument:
    """Attach a signed contract or an annex (PDF/PNG/JPEG, at most 10 MiB, checked by content)."""
    require_permission(user, "tourism.add_contract", action="attach contract documents")
    contract = get_visible(user, Contract.objects.all(), pk=contract.pk)
    if not title.strip():
        raise InvalidInput("Give the document a title.", errors=[FieldProblem("required", "title")])
    content_type, safe = checked_upload(data, filename)
    with transaction.atomic():
        document = ContractDocument(contract=contract, title=title.strip(), content_type=content_type, size=len(data))
        document.file.save(safe, ContentFile(data), save=False)
        document.save()
        audit_record(actor=user, action=AuditAction.CREATE, obj=document)
    return document
