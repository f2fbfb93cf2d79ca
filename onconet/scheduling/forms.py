"""Forms of the scheduling pages. They only parse input; the services check it and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onconet.core.forms import ServiceErrorsForm
from onconet.core.models import Facility
from onconet.core.scoping import AnyUser
from onconet.scheduling import selectors
from onconet.scheduling.models import DowntimeReason, Machine, MachineKind, Protocol, Urgency
from onconet.scheduling.planner import DEFAULT_DAYS


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Facility)
        return f"{obj.code} · {obj.name}"


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
    file = forms.FileField(label=_("CSV file"))


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


SIMULATION_SOLVERS = [("greedy", _("Greedy (fast)")), ("cpsat", _("CP-SAT (slower)"))]
DEMAND = [
    ("open", _("Open: any partner, every protocol of the kind")),
    ("contracts", _("The active contracts, with their monthly quotas")),
]


def parse_levels(text: str) -> tuple[int, ...]:
    """ "0, 2, 4" → (0, 2, 4); every problem is a ValidationError naming the bad item."""
    levels = []
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        if not item.isdigit():
            raise forms.ValidationError(_("“%(item)s” is not a whole number of requests a month.") % {"item": item})
        levels.append(int(item))
    if not levels:
        raise forms.ValidationError(_("List at least one level, e.g. 0, 2, 4, 6, 8."))
    if len(set(levels)) > 12 or max(levels) > 200:
        raise forms.ValidationError(_("At most 12 levels of at most 200 requests a month."))
    return tuple(sorted(set(levels)))


def parse_rates(text: str) -> dict[str, dict[int, float]] | None:
    """Lines "PROTOCOL u1 u2 u3" (weekly courses of urgency 1, 2, 3) → rates; empty text → None (from history)."""
    rates: dict[str, dict[int, float]] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in re.split(r"[\s,;:]+", line.strip()) if p]
        if not parts:
            continue
        values: list[float] = []
        for p in parts[1:]:
            try:
                values.append(float(p))
            except ValueError:
                values = []
                break
        if len(parts) != 4 or len(values) != 3 or any(v < 0 or v > 1000 for v in values):
            problems.append(
                _("line %(n)s: expected “PROTOCOL rate1 rate2 rate3” with weekly rates from 0 to 1000, got “%(line)s”")
                % {"n": number, "line": line.strip()}
            )
            continue
        if parts[0] in rates:
            problems.append(_("line %(n)s: protocol %(p)s is listed twice") % {"n": number, "p": parts[0]})
            continue
        rates[parts[0]] = dict(zip((1, 2, 3), values, strict=True))
    if problems:
        raise forms.ValidationError(problems)
    return rates or None


def format_rates(rates: dict[str, dict[int, float]]) -> str:
    return "\n".join(
        f"{code} " + " ".join(f"{rates[code].get(u, 0.0):.2f}" for u in (1, 2, 3)) for code in sorted(rates)
    )


class SimulationForm(ServiceErrorsForm):
    facility = FacilityChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    kind = forms.ChoiceField(label=_("Machine kind"), choices=MachineKind.choices)
    weeks = forms.IntegerField(
        label=_("Weeks simulated"),
        min_value=8,
        max_value=104,
        initial=26,
        help_text=_("8 to 104, after a warm-up of 6."),
    )
    levels = forms.CharField(
        label=_("Foreign requests a month to test"),
        initial="0, 2, 4, 6, 8",
        help_text=_("Whole numbers separated by commas; 0 (no foreign patients) is always included."),
    )
    replications = forms.IntegerField(
        label=_("Replications"),
        min_value=2,
        max_value=30,
        initial=5,
        help_text=_("2 to 30; more give narrower intervals."),
    )
    solver = forms.ChoiceField(label=_("Scheduler in the loop"), choices=SIMULATION_SOLVERS, initial="greedy")
    demand = forms.ChoiceField(label=_("Foreign demand"), choices=DEMAND, initial="open")
    rates = forms.CharField(
        label=_("Domestic courses a week (urgency 1, 2, 3)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("One line per protocol: PROTOCOL rate1 rate2 rate3. Empty: estimated from the booked history."),
    )
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, max_value=2**31 - 1, initial=0)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _facility_choices(self, user)

    def clean_levels(self) -> tuple[int, ...]:
        return parse_levels(self.cleaned_data["levels"])

    def clean_rates(self) -> dict[str, dict[int, float]] | None:
        return parse_rates(self.cleaned_data.get("rates") or "")
