from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from config.api import api
from onconet.core import views as core_views
from onconet.home import views as home_views

admin.site.site_header = "OncoNet"
admin.site.site_title = "OncoNet"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", core_views.two_factor, name="two_factor"),
    path(
        "accounts/password/",
        core_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("onconet.core.urls")),
    path("", include("onconet.tourism.urls")),
    path("", include("onconet.passports.urls")),
    path("", include("onconet.analytics.urls")),
    path("scheduling/", include("onconet.scheduling.urls")),
    path("partnerships/", include("onconet.partnerships.urls")),
    path("fhir/", include("onconet.interop.urls")),
]
handler400 = "onconet.core.views.bad_request"
