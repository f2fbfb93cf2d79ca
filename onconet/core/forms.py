"""Forms of the core pages. They only parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onconet.core.errors import InvalidInput
from onconet.core.models import Facility, FacilityKind, User
from onconet.core.scoping import visible


class LoginForm(AuthenticationForm):
    """Django's login form. The password check runs through django-axes (AUTHENTICATION_BACKENDS), which counts
    failures and refuses a username locked from this address; this form only says so."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts for this username. Try again in %(minutes)s minutes, or ask a national admin "
            "to lift the lock."
        ),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                ) from None
            raise


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked through authenticate() like a sign-in: django-axes
    counts wrong ones per username and address and refuses while the username is locked, so a session left open is
    not a way to guess the password without limit."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if checked is not None and checked.pk == self.user.pk:
            return old_password
        if getattr(self.request, "axes_locked_out", False):
            raise forms.ValidationError(
                LoginForm.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCKOUT_MINUTES}
            )
        raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")


class ServiceErrorsForm(forms.Form):
    """The base of every page form: Bootstrap classes on every widget, and a service's InvalidInput shown next to
    the fields it names (the rest above the form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def full_clean(self) -> None:
        super().full_clean()
        self.style()

    def style(self) -> None:
        errors = getattr(self, "_errors", None) or {}  # never triggers validation: subclasses set querysets later
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if errors.get(name):
                css += " is-invalid"
            field.widget.attrs["class"] = css

    def add_service_errors(self, error: InvalidInput) -> None:
        for problem in error.errors:
            target = problem.field if problem.field in self.fields else None
            self.add_error(target, problem.message)
        if not error.errors:
            self.add_error(None, error.detail)
        self.style()


class FacilityForm(ServiceErrorsForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    parent = forms.ModelChoiceField(
        label=_("Operator"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("The organisation that runs this facility."),
    )
    located_in = forms.ModelChoiceField(
        label=_("Located in"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("The hospital whose building this unit sits in, if it is not its own."),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=8, decimal_places=5)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=8, decimal_places=5)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, region_id: int, exclude_pk: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = visible(user, Facility.objects.filter(region_id=region_id)).order_by("name")
        if exclude_pk:
            choices = choices.exclude(pk=exclude_pk)
        self.fields["parent"].queryset = choices  # type: ignore[attr-defined]
        self.fields["located_in"].queryset = choices  # type: ignore[attr-defined]


def form_request(request: HttpRequest) -> dict[str, Any]:
    return {"data": request.POST} if request.method == "POST" else {}
