"""Forms of the partnerships pages. They only parse input; the services check it and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onconet.core.forms import ServiceErrorsForm
from onconet.core.models import Facility, User
from onconet.partnerships.models import (
    AgreementKind,
    AgreementStatus,
    City,
    CostCategory,
    Direction,
    Organisation,
    OrganisationKind,
    ParticipantRole,
    Proposal,
    Standard,
    Topic,
    VisaStatus,
    Visit,
)

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"})


class CityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}, {obj.country.name}"


class DelegationForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Title"), max_length=255)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label=_("First day"), widget=DATE)
    end_date = forms.DateField(label=_("Last day"), widget=DATE)
    origin = CityChoiceField(label=_("From (city)"), queryset=City.objects.select_related("country"))
    destination = CityChoiceField(label=_("To (city)"), queryset=City.objects.select_related("country"))
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organised by"), queryset=Organisation.objects.all(), required=False
    )
    budget = forms.DecimalField(label=_("Budget"), required=False, min_value=0, decimal_places=2)
    budget_currency = forms.CharField(label=_("Budget currency"), max_length=3, required=False, initial="EUR")


class CityForm(ServiceErrorsForm):
    name = forms.CharField(label=_("City"), max_length=120)
    country = forms.CharField(label=_("Country code"), max_length=2, help_text=_("ISO 3166-1, e.g. FR"))
    latitude = forms.CharField(label=_("Latitude"), help_text=_("−90 to 90, e.g. 48.8566"))
    longitude = forms.CharField(label=_("Longitude"), help_text=_("−180 to 180, e.g. 2.3522"))
    timezone = forms.CharField(label=_("Time zone"), initial="Europe/Moscow", help_text=_("e.g. Europe/Paris"))


class OrganisationForm(ServiceErrorsForm):
    name = forms.CharField(label=_("Organisation"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.CharField(label=_("Country code"), max_length=2)
    city = forms.CharField(label=_("City"), max_length=120, required=False)


class VisitForm(ServiceErrorsForm):
    date = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("From"), widget=TIME, required=False)
    end_time = forms.TimeField(label=_("Until"), widget=TIME, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=255)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    host = forms.CharField(label=_("Host"), max_length=200, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    description = forms.CharField(label=_("Programme"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ParticipantForm(ServiceErrorsForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=255)
    country = forms.CharField(label=_("Country code"), max_length=2)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    visa_status = forms.ChoiceField(label=_("Visa"), choices=VisaStatus.choices)


class CostForm(ServiceErrorsForm):
    category = forms.ChoiceField(label=_("Category"), choices=CostCategory.choices)
    amount = forms.DecimalField(label=_("Amount"), decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class InsightForm(ServiceErrorsForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    visit = forms.ModelChoiceField(label=_("At the visit"), queryset=Visit.objects.none(), required=False)
    text = forms.CharField(label=_("Insight"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, delegation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visit"].queryset = delegation.visits.all()  # type: ignore[attr-defined]


class ProposalForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Partnership proposal"), max_length=255)
    partner = forms.ModelChoiceField(label=_("With"), queryset=Organisation.objects.all(), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class FollowUpForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Action"), max_length=255)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due"), widget=DATE)
    proposal = forms.ModelChoiceField(label=_("For the proposal"), queryset=Proposal.objects.none(), required=False)

    def __init__(self, *args: Any, delegation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = User.objects.filter(is_active=True).exclude(role="partner_agent").order_by("username")
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["proposal"].queryset = delegation.proposals.all()  # type: ignore[attr-defined]


class AgreementForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Title"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    parties = forms.ModelMultipleChoiceField(label=_("Parties"), queryset=Organisation.objects.all())
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MilestoneForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Milestone"), max_length=255)
    planned_date = forms.DateField(label=_("Planned"), widget=DATE)
    responsible = forms.CharField(label=_("Responsible"), max_length=200)


class AccreditationForm(ServiceErrorsForm):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    standard = forms.ChoiceField(label=_("Standard"), choices=Standard.choices)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=255)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=80, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("Certificate (PDF, PNG or JPEG, at most 10 MiB)"), required=False)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]


class IndicatorImportForm(ServiceErrorsForm):
    file = forms.FileField(label=_("CSV file"))


class AgreementDocumentForm(ServiceErrorsForm):
    title = forms.CharField(label=_("Document title"), max_length=255)
    file = forms.FileField(label=_("File (PDF, PNG or JPEG, at most 10 MiB)"))
