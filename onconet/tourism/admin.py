from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from onconet.core.models import User
from onconet.tourism import services
from onconet.tourism.models import (
    Contract,
    ContractService,
    ExchangeRate,
    MessageTemplate,
    Partner,
    PartnerAgent,
    PartnerContact,
    Service,
)


class ContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "is_active")
    list_filter = ("kind", "country")
    search_fields = ("name", "city")
    inlines = [ContactInline]


class ContractServiceInline(admin.TabularInline):
    model = ContractService
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "partner", "status", "valid_from", "valid_until", "currency", "prepayment_share")
    list_filter = ("status", "currency")
    search_fields = ("number", "partner__name")
    inlines = [ContractServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "protocol", "base_price", "is_course")
    list_filter = ("kind",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("date", "currency", "rate")
    list_filter = ("currency",)
    date_hierarchy = "date"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Translators edit the letters here; a missing language falls back to English."""

    list_display = ("code", "language", "subject")
    list_filter = ("code", "language")


@admin.register(PartnerAgent)
class PartnerAgentAdmin(admin.ModelAdmin):
    """Which partner organisation each partner agent works for; saved through the office's service (audited)."""

    list_display = ("user", "partner")
    list_filter = ("partner",)
    search_fields = ("user__username", "partner__name")
    autocomplete_fields = ("partner",)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        actor = request.user
        assert isinstance(actor, User)
        services.partner_agent_link(actor=actor, user=obj.user, partner=obj.partner, request=request)
