"""Forms of the office's pages. They parse what a page posts; the services check rights and rules and write.

`StepForm.parsed()` answers the cleaned data, or raises `InvalidInput` naming every field that is missing or wrong,
so that a page shows a form's problems the same way as a service's (one message above the referral).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onconet.core.errors import FieldProblem, InvalidInput
from onconet.core.forms import ServiceErrorsForm
from onconet.core.models import User
from onconet.core.roles import Role
from onconet.tourism.models import DocumentKind, Partner, PaymentKind, Sex, TaskKind


def coordinators() -> QuerySet[User]:
    return User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("username")


def interpreters() -> QuerySet[User]:
    return User.objects.filter(role=Role.INTERPRETER, is_active=True).order_by("username")


class StepForm(ServiceErrorsForm):
    def parsed(self) -> dict[str, Any]:
        """The cleaned data; `InvalidInput` with one problem per wrong field otherwise."""
        if self.is_valid():
            return self.cleaned_data
        problems = [
            FieldProblem(str(message), "" if name == "__all__" else name, self.data.get(name))
            for name, messages in self.errors.items()
            for message in messages
        ]
        raise InvalidInput(str(_("Check the form.")), errors=problems)


class TransitionForm(StepForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000)
    protocol = forms.CharField(label=_("Proposed protocol"), required=False, max_length=255)


class PaymentForm(StepForm):
    amount = forms.CharField(label=_("Amount"), max_length=40)  # the service reads it as money and says what is wrong
    kind = forms.ChoiceField(label=_("Kind"), choices=PaymentKind.choices, initial=PaymentKind.PAYMENT)
    overpayment = forms.BooleanField(label=_("overpayment credit"), required=False)


class DocumentForm(StepForm):
    file = forms.FileField(label=_("File"), error_messages={"required": _("Choose a file.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, initial=DocumentKind.OTHER)


class CoordinatorForm(StepForm):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"),
        queryset=coordinators(),
        error_messages={"required": _("Choose a coordinator."), "invalid_choice": _("Choose a coordinator.")},
    )


class InterpreterBookingForm(StepForm):
    interpreter = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=interpreters(),
        error_messages={"required": _("Choose an interpreter."), "invalid_choice": _("Choose an interpreter.")},
    )
    starts_at = forms.DateTimeField(label=_("From"))
    ends_at = forms.DateTimeField(label=_("To"))


class TaskForm(StepForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.OTHER)
    title = forms.CharField(label=_("Task"), max_length=255)
    due_on = forms.DateField(label=_("Due"))


class ReferralForm(StepForm):
    """The partner portal's form: a new patient and the referral, in one submission."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none(), required=False)
    family_name = forms.CharField(label=_("Family name (Latin)"), max_length=120)
    given_name = forms.CharField(label=_("Given names (Latin)"), max_length=120)
    name_native = forms.CharField(label=_("Name in native script"), max_length=255, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    citizenship = forms.CharField(label=_("Citizenship"), max_length=2)
    passport_number = forms.CharField(label=_("Passport number"), max_length=40)
    preferred_language = forms.CharField(label=_("Language"), max_length=3)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    service = forms.CharField(label=_("Requested service"), max_length=40)
    icd10_codes = forms.CharField(label=_("Diagnoses (ICD-10)"), max_length=400)
    stage = forms.CharField(label=_("Stage"), max_length=40, required=False)
    latest_start = forms.DateField(label=_("Latest start of treatment"), required=False)
    clinical_summary = forms.CharField(label=_("Clinical summary"), required=False, max_length=20000)

    PATIENT_FIELDS = (
        "family_name",
        "given_name",
        "name_native",
        "date_of_birth",
        "sex",
        "citizenship",
        "passport_number",
        "preferred_language",
        "phone",
    )

    def __init__(self, *args: Any, partners: QuerySet[Partner] | None, **kwargs: Any) -> None:
        """`partners`: those the office may refer for; None for a partner agent, who refers for its own."""
        super().__init__(*args, **kwargs)
        if partners is None:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners  # type: ignore[attr-defined]

    def partner_id(self) -> int | None:
        partner = self.cleaned_data.get("partner")
        return partner.pk if partner is not None else None

    def patient(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.PATIENT_FIELDS}

    def diagnoses(self) -> list[str]:
        return [c for c in self.cleaned_data["icd10_codes"].replace(",", " ").split() if c]
