from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.urls import include, path


def healthz(request):
    """Liveness for the container healthcheck: answers when the database does."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")


def offer_package_download(request, token: str):
    """The Marketplace API zip, fetched by Cdiscount without login at an unguessable URL (§M6)."""
    from channels.services.inventory import package_file_for_download

    path = package_file_for_download(token)
    if path is None:
        raise Http404("no such package")
    return FileResponse(path.open("rb"), content_type="application/zip")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("offer-packages/<str:token>.zip", offer_package_download, name="offer_package_download"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("channels.urls")),
]
