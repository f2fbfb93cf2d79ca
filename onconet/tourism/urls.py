from django.urls import path

from onconet.tourism import views

app_name = "tourism"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("partners/<int:pk>/", views.partner_detail, name="partner"),
]
