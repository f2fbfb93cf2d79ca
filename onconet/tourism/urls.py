from django.urls import path

from onconet.tourism import views

app_name = "tourism"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("partners/<int:pk>/", views.partner_detail, name="partner"),
    path("office/", views.office_queue, name="queue"),
    path("office/dashboard/", views.office_dashboard, name="dashboard"),
    path("office/contracts/", views.contracts, name="contracts"),
    path("office/prices/", views.prices, name="prices"),
    path("office/interpreters/", views.interpreters, name="interpreters"),
    path("office/my-bookings.ics", views.my_bookings_ics, name="my_bookings_ics"),
    path("office/patients/", views.patients, name="patients"),
    path("office/patients/<int:pk>/", views.patient_detail, name="patient"),
    path("office/patients/<int:pk>/export.json", views.patient_export, name="patient_export"),
    path("office/possible-duplicates/", views.possible_duplicates, name="duplicates"),
    path("office/documents/<slug:kind>/<int:pk>/", views.document_download, name="document"),
    path("office/referrals/new/", views.referral_new, name="referral_new"),
    path("office/referrals/<int:pk>/", views.referral_detail, name="referral"),
    path(
        "office/referrals/<int:pk>/transitions/<slug:name>/",
        views.referral_transition,
        name="referral_transition",
    ),
    path("office/referrals/<int:pk>/quotes/", views.referral_quote, name="referral_quote"),
    path(
        "office/referrals/<int:pk>/invoices/<int:invoice>/payments/",
        views.referral_payment,
        name="referral_payment",
    ),
    path("office/referrals/<int:pk>/documents/", views.referral_document, name="referral_document"),
    path("office/referrals/<int:pk>/passport/", views.referral_passport, name="referral_passport"),
    path("office/referrals/<int:pk>/coordinator/", views.referral_coordinator, name="referral_coordinator"),
    path("office/referrals/<int:pk>/interpreters/", views.referral_interpreter, name="referral_interpreter"),
    path("office/referrals/<int:pk>/tasks/", views.referral_task, name="referral_task"),
    path("office/referrals/<int:pk>/tasks/<int:task>/done/", views.referral_task_done, name="referral_task_done"),
    path("office/referrals/<int:pk>/letters/<slug:code>/<slug:language>.pdf", views.letter_download, name="letter"),
]
