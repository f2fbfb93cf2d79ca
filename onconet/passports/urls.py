from django.urls import path

from onconet.passports import views

app_name = "passports"

urlpatterns = [
    path("passports/", views.passports, name="list"),
    path("passports/new/", views.passport_new, name="new"),
    path("passports/import/", views.passport_import, name="import"),
    path("passports/import/<int:job_id>/", views.import_job, name="import_job"),
    path("passports/template.xlsx", views.template_download, name="template"),
    path("passports/standards/", views.standards, name="standards"),
    path("passports/<int:pk>/", views.passport_detail, name="detail"),
    path("passports/<int:pk>/check/", views.passport_check_view, name="check"),
    path("passports/<int:pk>/region/", views.passport_region, name="region"),
    path("passports/<int:pk>/do/<str:action>/", views.passport_transition, name="transition"),
    path("passports/<int:pk>/export/<str:fmt>/", views.passport_export, name="export"),
    path("passports/<int:pk>/<str:section>/", views.passport_section, name="section"),
    path("passports/<int:pk>/<str:section>/rows/", views.section_row, name="row_add"),
    path("passports/<int:pk>/<str:section>/rows/<int:row_id>/", views.section_row, name="row"),
]
