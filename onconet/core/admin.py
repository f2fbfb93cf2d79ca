from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from onconet.core.models import ApiToken, AuditEntry, Country, Facility, FederalDistrict, Job, Region, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "get_full_name", "role", "region", "partner", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("OncoNet", {"fields": ("role", "region", "partner", "languages")}),
    )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "federal_district", "population")
    list_filter = ("federal_district",)
    search_fields = ("code", "name")


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "parent", "located_in", "is_active")
    list_filter = ("kind", "region__federal_district")
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "located_in")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ("at", "actor_username", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_repr", "message")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(Country, search_fields=("code", "name"), list_display=("code", "alpha_3", "name"))
admin.site.register(FederalDistrict, list_display=("code", "name_en", "name_ru"))
admin.site.register(Job, list_display=("id", "kind", "status", "progress", "created_by", "created_at"))
admin.site.register(ApiToken, list_display=("name", "user", "prefix", "created_at", "revoked_at"))
