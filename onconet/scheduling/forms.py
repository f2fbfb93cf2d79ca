"""Forms of the scheduling pages. They only parse input; the services check it and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.errors import InvalidInput
from onconet.core.models import Facility
from onconet.core.scoping import AnyUser
from onconet.scheduling import selectors
from onconet.scheduling.models import DowntimeReason, Machine, Protocol, Urgency
from onconet.scheduling.planner import DEFAULT_DAYS


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Facility)
        return f"{obj.code} · {obj.name}"


class ServiceErrorsForm(forms.Form):
    """Bootstrap classes on every widget, and a service's InvalidInput shown next to the fields it names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def full_clean(self) -> None:
        super().full_clean()
        self.style()

    def style(self) -> None:
        errors = (
            getattr(self, "_errors", None) or {}
        )  # never triggers validation: subclasses set their querysets after this
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
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


def _facility_choices(form: forms.Form, user: AnyUser) -> None:
    """Facilities with machines the user may see; the only one is chosen already."""
    facilities = selectors.facilities_with_machines(user=user)
    form.fields["facility"].queryset = facilities  # type: ignore[attr-defined]
    if not form.is_bound and len(facilities[:2]) == 1:
        form.initial.setdefault("facility", facilities[0].pk)


class CourseForm(ServiceErrorsForm):
    facility = FacilityChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    protocol = forms.ModelChoiceField(label=_("Protocol"), queryset=Protocol.objects.all())
    ready_date = forms.DateField(
        label=_("Ready date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day the patient can start treatment."),
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.ROUTINE.value
    )
    code = forms.CharField(
        label=_("Pseudonymous id"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for the next free id. Never a patient's name."),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("ready_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        _facility_choices(self, user)


class CourseImportForm(ServiceErrorsForm):
    file = forms.FileField(label=_("CSV file (code, facility, protocol, ready_date, urgency)"))


class DowntimeForm(ServiceErrorsForm):
    machine = forms.ModelChoiceField(label=_("Machine"), queryset=Machine.objects.none())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(
        label=_("Minutes"), help_text=_("1 to 1440; a machine's whole day is its hours on that weekday.")
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=DowntimeReason.choices)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["machine"].queryset = selectors.machines_list(user=user, active_only=True)  # type: ignore[attr-defined]


SOLVERS = [("cpsat", _("CP-SAT (optimal)")), ("greedy", _("Greedy (fast)"))]


class PlanRunForm(ServiceErrorsForm):
    facility = FacilityChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    solver = forms.ChoiceField(label=_("Solver"), choices=SOLVERS, initial="cpsat")
    days = forms.IntegerField(
        label=_("Horizon, days"), min_value=7, max_value=366, initial=DEFAULT_DAYS, help_text=_("7 to 366 days.")
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _facility_choices(self, user)


class ForeignPlanForm(ServiceErrorsForm):
    facility = FacilityChoiceField(label=_("Facility"), queryset=Facility.objects.none())

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _facility_choices(self, user)
