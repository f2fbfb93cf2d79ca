"""factory_boy factories of the international office's reference records: price-list services, exchange rates,
partner organisations and their contacts, message templates. Records with a workflow (patients, referrals, quotes,
contracts) are made through the services in the fixtures, so that tests meet them as the product makes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from onconet.core.models import Country
from onconet.tourism.models import (
    ExchangeRate,
    MessageTemplate,
    Partner,
    PartnerContact,
    PartnerKind,
    Service,
    ServiceKind,
)


class ServiceFactory(DjangoModelFactory[Service]):
    """A service of the price list (a consultation unless the test says otherwise)."""

    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda s: s.code)
    kind = ServiceKind.CONSULTATION
    base_price = Decimal("10000")
    is_course = False


class ExchangeRateFactory(DjangoModelFactory[ExchangeRate]):
    class Meta:
        model = ExchangeRate

    date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    currency = "EUR"
    rate = Decimal("100")


class PartnerFactory(DjangoModelFactory[Partner]):
    class Meta:
        model = Partner
        exclude = ("country_code",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = PartnerKind.MINISTRY
    country_code = "BG"
    country = factory.LazyAttribute(lambda p: Country.objects.get(code=p.country_code))


class PartnerContactFactory(DjangoModelFactory[PartnerContact]):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


class MessageTemplateFactory(DjangoModelFactory[MessageTemplate]):
    class Meta:
        model = MessageTemplate

    code = "treatment_invitation"
    language = "en"
    subject = "Invitation"
    body = "{patient_name}"
