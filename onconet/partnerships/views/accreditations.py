"""Accreditations with expiry alerts and their certificate files, and the certified facilities shown to partners
("why come to us")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onconet.core.errors import InvalidInput, NotFound
from onconet.core.http import request_user
from onconet.core.models import Facility
from onconet.core.scoping import get_visible, require_permission, visible
from onconet.core.uploads import UploadTooLarge, document_max_bytes, read_upload, upload_view
from onconet.partnerships import selectors, services
from onconet.partnerships.forms import AccreditationForm
from onconet.partnerships.models import EXPIRY_ALERT_DAYS, Standard
from onconet.partnerships.views.common import stored_file


@upload_view(
    permission="partnerships.manage_accreditations", action="record accreditations", max_bytes=document_max_bytes
)
@login_required
def accreditations(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    qs = selectors.accreditations_list(user=user, standard=request.GET.get("standard", ""))
    facilities = visible(user, Facility.objects.filter(is_active=True)).order_by("code")
    can_add = user.has_perm("partnerships.manage_accreditations")
    form = AccreditationForm(facilities=facilities)
    if request.method == "POST":
        require_permission(user, "partnerships.manage_accreditations", action="record accreditations")
        form = AccreditationForm(request.POST, request.FILES, facilities=facilities)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("document")
            try:
                document = (read_upload(upload, max_bytes=document_max_bytes()), upload.name) if upload else None
                services.accreditation_add(user=user, document=document, **data)
            except UploadTooLarge as exc:
                form.add_error("document", exc.detail)
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The accreditation was recorded."))
                return redirect("partnerships:accreditations")
    rows = []
    for a in qs:
        left = (a.valid_until - today).days
        state = "expired" if left < 0 else ("expiring" if left <= EXPIRY_ALERT_DAYS else "valid")
        if a.valid_from > today:
            state = "future"
        rows.append({"a": a, "left": left, "state": state})
    return render(
        request,
        "partnerships/accreditations.html",
        {
            "tab": "accreditations",
            "rows": rows,
            "expiring": [r for r in rows if r["state"] == "expiring"],
            "form": form,
            "can_add": can_add,
            "standards": Standard.choices,
            "standard": request.GET.get("standard", ""),
            "alert_days": EXPIRY_ALERT_DAYS,
        },
    )


@login_required
def certified(request: HttpRequest) -> HttpResponse:
    """Why come to us: facilities with a valid European certification, for partners and everyone else."""
    return render(
        request,
        "partnerships/certified.html",
        {"tab": "certified", "items": selectors.european_certified(), "today": timezone.localdate()},
    )


@login_required
def accreditation_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    accreditation = get_visible(user, selectors.accreditations_list(user=user), pk=pk)
    if not accreditation.document:
        raise NotFound("This accreditation has no certificate file.")
    with accreditation.document.open("rb") as handle:
        return stored_file(handle, accreditation.document_type, accreditation.document.name.rsplit("/", 1)[-1])
