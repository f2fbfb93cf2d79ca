"""Fixtures of the international office's tests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from onconet.tourism import services
from onconet.tourism.tests.factories import ExchangeRateFactory, ServiceFactory

TODAY = timezone.localdate()


@pytest.fixture
def office(users):
    proton = ServiceFactory(
        code="proton-25",
        name="Proton course, 25 fractions",
        kind="proton_course",
        base_price=Decimal("3000000"),
        is_course=True,
    )
    consult = ServiceFactory(code="consult", name="Consultation", kind="consultation", base_price=Decimal("10000"))
    ServiceFactory(code="pet-ct", name="PET-CT", kind="pet_ct", base_price=Decimal("60000"))
    ExchangeRateFactory(date=TODAY - timedelta(days=3), currency="EUR", rate=Decimal("100"))
    contract = services.contract_create(
        user=users["admin"],
        partner=users["partner"].agency.partner,
        number="BG-2026-001",
        our_party="National proton centre",
        valid_from=TODAY - timedelta(days=30),
        valid_until=TODAY + timedelta(days=300),
        currency="eur",
        prepayment_share="0.5",
        status="active",
        services=[
            {"service": "proton-25", "price": "32000", "monthly_quota": 1},
            {"service": "consult", "discount_percent": "10"},
        ],
    )
    return {"proton": proton, "consult": consult, "contract": contract}
