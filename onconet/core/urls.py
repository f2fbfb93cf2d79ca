from django.urls import path

from onconet.core import views

app_name = "core"

urlpatterns = [
    path("regions/", views.regions, name="regions"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/start/", views.job_start, name="job_start"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("audit/", views.audit, name="audit"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("security/sign-in/", views.sign_in_security, name="sign_in_security"),
    path("security/sign-in/unlock/", views.lockout_unlock, name="lockout_unlock"),
    path("security/sign-in/two-factor-reset/", views.two_factor_reset, name="two_factor_reset"),
]
