from django.urls import path

from onconet.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.home, name="home"),
    path("delegations/", views.delegations, name="delegations"),
    path("places/<str:what>/", views.place_add, name="place_add"),
    path("delegations/<int:pk>/", views.delegation, name="delegation"),
    path("delegations/<int:pk>/transition/", views.delegation_transition, name="delegation_transition"),
    path("delegations/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("delegations/<int:pk>/participants/", views.participant_add, name="participant_add"),
    path(
        "delegations/<int:pk>/participants/<int:participant_id>/",
        views.participant_change,
        name="participant_change",
    ),
    path("delegations/<int:pk>/costs/", views.cost_add, name="cost_add"),
    path("delegations/<int:pk>/insights/", views.insight_add, name="insight_add"),
    path("delegations/<int:pk>/proposals/", views.proposal_add, name="proposal_add"),
    path("delegations/<int:pk>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path("delegations/<int:pk>/programme.pdf", views.programme_pdf, name="programme_pdf"),
    path("delegations/<int:pk>/itinerary.ics", views.itinerary_ics, name="itinerary_ics"),
    path("delegations/<int:pk>/participants.xlsx", views.participants_xlsx, name="participants_xlsx"),
    path("follow-ups/<int:action_id>/close/", views.follow_up_close, name="follow_up_close"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<int:pk>/", views.agreement, name="agreement"),
    path("agreements/<int:pk>/contracts/", views.agreement_contract, name="agreement_contract"),
    path("agreements/<int:pk>/documents/<int:document_id>/", views.agreement_document, name="agreement_document"),
    path("accreditations/<int:pk>/certificate/", views.accreditation_certificate, name="accreditation_certificate"),
    path("milestones/<int:milestone_id>/reach/", views.milestone_reach, name="milestone_reach"),
    path("accreditations/", views.accreditations, name="accreditations"),
    path("certified/", views.certified, name="certified"),
    path("countries/", views.countries, name="countries"),
    path("countries/<str:code>/", views.country, name="country"),
]
