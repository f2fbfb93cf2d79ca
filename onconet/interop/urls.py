from django.urls import path, re_path

from onconet.interop import views

app_name = "fhir"

urlpatterns = [
    path("", views.transaction_bundle, name="transaction"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<str:pk>/$everything", views.everything, name="everything"),
    re_path(r"^(?P<resource>[A-Z][A-Za-z]+)$", views.search, name="search"),
    re_path(r"^(?P<resource>[A-Z][A-Za-z]+)/(?P<pk>[A-Za-z0-9\-.]{1,64})$", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),  # anything else: a 404 OperationOutcome, not a page
]
