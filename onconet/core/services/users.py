"""Users and roles: one group per role, creating a user, changing what a user may do."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from onconet.core.audit import audit_record, diff, field_snapshot
from onconet.core.errors import FieldProblem, InvalidInput, NotAllowed
from onconet.core.models import AuditAction, Region, User
from onconet.core.reference_data import is_language_code
from onconet.core.roles import ROLE_PERMISSIONS, Role
from onconet.core.scoping import require_permission
from onconet.core.services.validation import _problems

# ---------------------------------------------------------------- roles


def roles_sync(*, using: str = "default") -> None:
    """Create one group per role holding exactly the role's permissions."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        perms = []
        for code in sorted(codes):
            app_label, codename = code.split(".")
            perms.append(Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


# ---------------------------------------------------------------- users


def user_create(
    *,
    username: str,
    role: Role,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    region: Region | None = None,
    languages: list[str] | None = None,
    linked: bool = False,
) -> User:
    """Create a user in one role; the role's group gives the permissions. A partner agent is created by the app that
    owns partner organisations, which links it to its partner in the same transaction (`linked=True`)."""
    if role == Role.PARTNER_AGENT and not linked:
        raise InvalidInput(
            "A partner agent is created with its partner organisation (the office's partner_agent_create).",
            errors=[FieldProblem("a partner agent needs its partner organisation", "partner")],
        )
    languages = [code.lower() for code in (languages or [])]
    bad = [code for code in languages if not is_language_code(code)]
    if bad:
        raise InvalidInput(f"Unknown language code(s): {', '.join(bad)} (use ISO 639-1 or 639-3).")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        region=region,
        languages=languages,
        is_staff=role == Role.NATIONAL_ADMIN,
        is_superuser=role == Role.NATIONAL_ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise InvalidInput("The user is not valid.", errors=_problems(exc)) from exc
    with transaction.atomic():
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
    return user


USER_ACCESS_FIELDS = ["role", "region", "is_active", "is_staff", "is_superuser"]


def user_update(
    *,
    actor: User,
    user: User,
    role: str,
    region: Region | None,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    request: HttpRequest | None = None,
) -> User:
    """Change what a user may do: the role (its group follows: exactly the role's group), the scope (region or
    the region of a regional reporter; a partner agent's organisation is tourism's `partner_agent_link`), and the
    active, staff and superuser flags. Every change is audited with its before and after."""
    require_permission(actor, "core.change_user", action="change users")
    if role not in Role.values:
        raise InvalidInput("The user is not valid.", errors=[FieldProblem("not a role", "role", role)])
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = field_snapshot(locked, USER_ACCESS_FIELDS)
        if is_superuser != locked.is_superuser and not actor.is_superuser:
            raise NotAllowed("Only a superuser may grant or withdraw superuser status.")
        locked.role = role
        locked.region = region
        locked.is_active = is_active
        locked.is_staff = is_staff
        locked.is_superuser = is_superuser
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise InvalidInput("The user is not valid.", errors=_problems(exc)) from exc
        locked.save(update_fields=USER_ACCESS_FIELDS)
        locked.groups.set([Group.objects.get(name=role)])  # a role's permissions come from its group only
        changes = diff(before, field_snapshot(locked, USER_ACCESS_FIELDS))
        if changes:
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes, request=request)
    for name in USER_ACCESS_FIELDS:
        setattr(user, name, getattr(locked, name))
    return locked
