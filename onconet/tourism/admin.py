from django.contrib import admin

from onconet.tourism.models import Partner, PartnerContact


class ContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "is_active")
    list_filter = ("kind", "country")
    search_fields = ("name", "city")
    inlines = [ContactInline]
