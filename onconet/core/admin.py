from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from onconet.core import services
from onconet.core.audit import audit_record, diff, field_snapshot
from onconet.core.errors import DomainError
from onconet.core.models import ApiToken, AuditAction, AuditEntry, Country, Facility, FederalDistrict, Job, Region, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users in the admin. What a user may do (role and its group, scope, active/staff/superuser) changes only
    through services.user_update, which syncs the role's group and audits every change; groups and single
    permissions are not edited by hand (a role's permissions come from its group)."""

    list_display = ("username", "get_full_name", "role", "region", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        ("OncoNet", {"fields": ("role", "region", "languages")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("OncoNet", {"fields": ("role", "region")}),
    )
    readonly_fields = ("groups", "user_permissions", "last_login", "date_joined")
    actions = ["reset_two_factor"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        actor = request.user
        assert isinstance(actor, User)
        wanted = {name: getattr(obj, name) for name in services.USER_ACCESS_FIELDS}
        if not change:  # a new user: created with its role, then given the role's group
            super().save_model(request, obj, form, change)
            services.user_update(actor=actor, user=obj, **wanted, request=request)
            snapshot = field_snapshot(obj, ["username", *services.USER_ACCESS_FIELDS])
            audit_record(actor=actor, action=AuditAction.CREATE, obj=obj, changes=diff({}, snapshot), request=request)
            return
        stored = User.objects.get(pk=obj.pk)
        for name in services.USER_ACCESS_FIELDS:  # saved below by the service, with its checks and its audit entry
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        # the admin's change view runs in one transaction: a refusal here undoes the save above
        services.user_update(actor=actor, user=obj, **wanted, request=request)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        # groups and user_permissions are read-only here: the role's group was set by user_update
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Reset two-factor authentication (lost authenticator)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        count = 0
        for user in queryset:
            try:
                services.two_factor_reset(actor=actor, user=user, request=request)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
                return
            count += 1
        self.message_user(
            request,
            ngettext(
                "The two-factor device of %(count)d user was reset.",
                "The two-factor devices of %(count)d users were reset.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
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

# django-otp's own admin pages would show authenticator keys and let anyone with admin access delete devices
# unaudited (axes' pages are off: AXES_ENABLE_ADMIN): devices are reset through OncoNet's service instead.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
