from django.urls import path

from onconet.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/districts/<slug:code>/", views.district, name="district"),
    path("analytics/regions/<str:code>/", views.region, name="region"),
    path("analytics/workforce/", views.workforce, name="workforce"),
    path("analytics/equipment/", views.equipment, name="equipment"),
    path("analytics/indicators/", views.definitions, name="definitions"),
    path("analytics/indicators/<slug:code>/", views.definition, name="definition"),
    path("analytics/benchmarks/", views.benchmarks, name="benchmarks"),
    path("analytics/reports/", views.report_start, name="report_start"),
    path("analytics/reports/<int:job_id>/<str:name>", views.report_file, name="report_file"),
]
