from django.contrib import admin

from onconet.tourism.models import (
    Contract,
    ContractService,
    ExchangeRate,
    MessageTemplate,
    Partner,
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
