"""One referral and its steps (each posted to its own view), its letters, and the partner portal's form."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.http import request_user
from onconet.core.models import User
from onconet.core.scoping import get_visible, require_permission
from onconet.core.uploads import document_max_bytes, read_upload, upload_view
from onconet.tourism import selectors, services
from onconet.tourism.forms import (
    CoordinatorForm,
    DocumentForm,
    InterpreterBookingForm,
    PaymentForm,
    ReferralForm,
    TaskForm,
    TransitionForm,
    coordinators,
)
from onconet.tourism.letters import letter_languages
from onconet.tourism.models import (
    DocumentKind,
    Invoice,
    Referral,
    ReferralState,
    Service,
    SupportTask,
    TaskKind,
)
from onconet.tourism.services import access
from onconet.tourism.workflow import LABELS


def _transition_form_fields(name: str) -> list[str]:
    return {
        "accept": ["protocol"],
        "decline": ["comment"],
        "ask_more_info": ["comment"],
        "provide_info": ["comment"],
    }.get(name, [])


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral and the steps the user may take on it; each step posts to its own view below."""
    user = request_user(request)
    return _referral_page(request, user, selectors.referral_get(user=user, referral_id=pk))


def _referral_page(
    request: HttpRequest, user: User, referral: Referral, full_passport: str | None = None
) -> HttpResponse:
    blocked = selectors.step_blockers(referral)
    transitions = [
        {"name": name, "label": LABELS[name], "fields": _transition_form_fields(name), "blocked": blocked.get(name)}
        for name in selectors.transitions_for(user, referral)
    ]
    invoices = [{"invoice": i, "balance": services.invoice_balance(i)} for i in referral.invoices.all()]
    may = {step: access.may(user, step) for step in access.OFFICE_STEPS}
    return render(
        request,
        "tourism/referral.html",
        {
            "referral": referral,
            "transitions": transitions,
            "overdue": selectors.is_overdue(referral),
            "quotes": referral.quotes.prefetch_related("lines__service"),
            "invoices": invoices,
            "documents": referral.documents.all(),
            "history": referral.events.select_related("actor"),
            "full_passport": full_passport,
            "document_kinds": DocumentKind.choices,
            "may": may,
            "can_quote": may["quote"] and referral.state == ReferralState.ACCEPTED,
            "can_see_passport": user.has_perm("tourism.view_passport_number"),
            "can_upload": user.has_perm("tourism.add_patientdocument"),
            "coordinators": coordinators(),
            "interpreters": selectors.interpreters_speaking(referral.patient.preferred_language),
            "bookings": referral.interpreter_bookings.select_related("interpreter"),
            "tasks": referral.tasks.all(),
            "task_kinds": TaskKind.choices,
            "letters": [(code, label, letter_languages(referral)) for code, label in LETTERS],
            "today": timezone.localdate(),
        },
    )


def _referral_step(
    request: HttpRequest, pk: int, step: Callable[[User, Referral], object], done: str | None = None
) -> HttpResponse:
    """A step posted from the referral's page: run it, then back to the page with what happened as a message.
    A record outside the user's scope answers 404 before anything is read; a refusal (403) is shown as a page."""
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=pk)
    try:
        step(user, referral)
    except (InvalidInput, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.summary())
    else:
        messages.success(request, done or _("Done."))
    return redirect("tourism:referral", pk=referral.pk)


@require_POST
@login_required
def referral_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    def take(user: User, referral: Referral) -> None:
        form = TransitionForm(request.POST).parsed()
        services.referral_transition(user=user, referral=referral, name=name, request=request, **form)

    return _referral_step(request, pk, take)


@require_POST
@login_required
def referral_quote(request: HttpRequest, pk: int) -> HttpResponse:
    def quote(user: User, referral: Referral) -> None:
        services.quote_create(user=user, referral=referral, lines=[{"service": referral.service.code}])

    return _referral_step(request, pk, quote)


@require_POST
@login_required
def referral_payment(request: HttpRequest, pk: int, invoice: int) -> HttpResponse:
    def pay(user: User, referral: Referral) -> None:
        form = PaymentForm(request.POST).parsed()
        services.payment_record(
            user=user,
            invoice=get_visible(user, Invoice.objects.filter(referral=referral), pk=invoice),
            paid_on=timezone.localdate(),
            **form,
        )

    return _referral_step(request, pk, pay)


# A multipart POST needs the permission to add documents before its body is read (at most a document's size); the
# referral itself is checked in the view.
@upload_view(permission="tourism.add_patientdocument", action="upload documents", max_bytes=document_max_bytes)
@require_POST
@login_required
def referral_document(request: HttpRequest, pk: int) -> HttpResponse:
    def upload(user: User, referral: Referral) -> None:
        form = DocumentForm(request.POST, request.FILES).parsed()
        file = form["file"]
        services.document_upload(
            user=user,
            referral=referral,
            data=read_upload(file, max_bytes=document_max_bytes()),
            filename=file.name or "file",
            kind=form["kind"],
            request=request,
        )

    return _referral_step(request, pk, upload)


@require_POST
@login_required
def referral_passport(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral's page with the patient's full passport number (for those who may see it; audited)."""
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=pk)
    try:
        number = services.patient_passport_number(user=user, patient=referral.patient, request=request)
    except NotAllowed as exc:
        messages.error(request, exc.summary())
        return redirect("tourism:referral", pk=referral.pk)
    return _referral_page(request, user, referral, full_passport=number)


@require_POST
@login_required
def referral_coordinator(request: HttpRequest, pk: int) -> HttpResponse:
    def assign(user: User, referral: Referral) -> None:
        form = CoordinatorForm(request.POST).parsed()
        services.coordinator_assign(user=user, referral=referral, coordinator=form["coordinator"])

    return _referral_step(request, pk, assign)


@require_POST
@login_required
def referral_interpreter(request: HttpRequest, pk: int) -> HttpResponse:
    def book(user: User, referral: Referral) -> None:
        services.interpreter_book(user=user, referral=referral, **InterpreterBookingForm(request.POST).parsed())

    return _referral_step(request, pk, book)


@require_POST
@login_required
def referral_task(request: HttpRequest, pk: int) -> HttpResponse:
    def add(user: User, referral: Referral) -> None:
        services.task_create(user=user, referral=referral, **TaskForm(request.POST).parsed())

    return _referral_step(request, pk, add)


@require_POST
@login_required
def referral_task_done(request: HttpRequest, pk: int, task: int) -> HttpResponse:
    def close(user: User, referral: Referral) -> None:
        services.task_done(user=user, task=get_visible(user, SupportTask.objects.filter(referral=referral), pk=task))

    return _referral_step(request, pk, close)


LETTERS = [
    ("visa_invitation", gettext_lazy("Visa invitation")),
    ("treatment_invitation", gettext_lazy("Treatment invitation")),
    ("arrival_instructions", gettext_lazy("Arrival instructions")),
]


@login_required
def letter_download(request: HttpRequest, pk: int, code: str, language: str) -> HttpResponse:
    user = request_user(request)
    referral = selectors.referral_get(user=user, referral_id=pk)
    try:
        name, pdf, fell_back = services.letter_generate(
            user=user, referral=referral, code=code, language=language, request=request
        )
    except (InvalidInput, DomainError) as exc:
        messages.error(request, exc.detail)
        return redirect("tourism:referral", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if fell_back:
        response["X-Letter-Language-Fallback"] = "en"
    return response


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    """The partner portal's referral form (office staff choose the partner)."""
    user = request_user(request)
    require_permission(user, "tourism.add_referral", action="submit referrals")
    partners = selectors.partners_list(user=user)
    choose_partner = selectors.agent_partner(user) is None
    error = None
    form = ReferralForm(request.POST or None, partners=partners if choose_partner else None)
    if request.method == "POST":
        try:
            data = form.parsed()
            referral = services.referral_register_and_submit(
                user=user,
                partner_id=form.partner_id(),
                patient=form.patient(),
                service_code=data["service"],
                icd10_codes=form.diagnoses(),
                stage=data["stage"],
                clinical_summary=data["clinical_summary"],
                latest_start=data["latest_start"],
                request=request,
            )
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("The referral was sent to the international office."))
            return redirect("tourism:referral", pk=referral.pk)
    return render(
        request,
        "tourism/referral_new.html",
        {
            "partners": partners,
            "services": Service.objects.all(),
            "error": error,
            "values": request.POST,
            "choose_partner": choose_partner,
        },
    )
