"""Forms of the passport pages. They only collect text; the services check it with the workbook's rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onconet.core.models import Facility, Region
from onconet.passports.labels import column_label, shown
from onconet.passports.models import Passport, Standard
from onconet.passports.sheets import SHEETS_BY_NAME, Sheet


class SectionRowForm(forms.Form):
    """One row of a passport section, with the workbook's column names as field names."""

    def __init__(self, *args: Any, sheet: Sheet, passport: Passport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        facilities = [("", "—")] + [
            (f.code, f"{f.code} · {f.name}") for f in Facility.objects.filter(region=passport.region).order_by("code")
        ]
        for column in sheet.columns:
            if column.name == "region_code":
                continue
            label = column_label(sheet.name, column.name)
            field: forms.Field
            if column.name in ("facility_code", "located_in_facility_code"):
                field = forms.ChoiceField(label=label, choices=facilities, required=column.required)
            elif column.name == "standard_code":
                field = forms.ChoiceField(
                    label=label,
                    choices=[(s.code, s.code) for s in Standard.objects.filter(is_active=True)],
                    required=True,
                )
            elif column.type == "choice":
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", "—")] + [(c, shown(sheet.name, column.name, c)) for c in column.choices],
                    required=column.required,
                )
            elif column.type == "date":
                field = forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
            else:
                attrs = {"inputmode": "decimal"} if column.type in ("int", "decimal") else {}
                field = forms.CharField(
                    label=label,
                    required=column.required,
                    max_length=column.max_length,
                    widget=forms.TextInput(attrs=attrs),
                )
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["title"] = column.help or label
            self.fields[column.name] = field

    def values(self) -> dict[str, Any]:
        return {name: (value if value not in ("", None) else None) for name, value in self.cleaned_data.items()}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (XLSX, or a zip of CSV files)"))
    period = forms.IntegerField(
        label=_("Year"),
        min_value=1990,
        max_value=2100,
        required=False,
        help_text=_("Leave empty to take the year from the workbook's region sheet; if given, the two must agree."),
    )
    dry_run = forms.BooleanField(label=_("Only check, write nothing"), required=False)


class NewPassportForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    period = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    copy_forward = forms.BooleanField(label=_("Start from last year's passport"), required=False, initial=True)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


SECTION_SHEETS = {name: SHEETS_BY_NAME[name] for name in ("staff", "equipment", "beds", "compliance")}
