from django.urls import path

from onconet.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/machines/<int:machine_id>/day-list/", views.day_list, name="day_list"),
    path("courses/", views.courses, name="courses"),
    path("courses/<int:pk>/cancel/", views.course_cancel, name="course_cancel"),
    path("downtime/", views.downtime, name="downtime"),
    path("plans/", views.plans, name="plans"),
    path("plans/jobs/<int:job_id>/", views.plan_job, name="plan_job"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/discard/", views.plan_discard, name="plan_discard"),
    path("offer/", views.offer, name="offer"),
    path("simulation/", views.simulation, name="simulation"),
    path("simulation/<int:job_id>/", views.simulation_job, name="simulation_job"),
    path("simulation/<int:job_id>/publish/", views.simulation_publish, name="simulation_publish"),
    path("replay/", views.replay, name="replay"),
    path("replay/<int:job_id>/", views.replay_job, name="replay_job"),
    path("foreign/", views.foreign, name="foreign"),
    path("referrals/<int:referral_id>/plan/", views.referral_plan, name="referral_plan"),
]
