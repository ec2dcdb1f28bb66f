import hmac

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.urls import include, path


def healthz(request):
    """Liveness for the container healthcheck: answers when the database does."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")


def metrics(request):
    """Prometheus metrics, for the bearer of METRICS_TOKEN only; no login page in the way (a
    scraper cannot log in). Not configured: 404, as if the endpoint did not exist. A wrong or
    missing token: 401, so whoever sets up the scrape sees the token is what is wrong."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from channels.services.metrics import metrics_exposition

    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404("metrics are off")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        response = HttpResponse("A valid bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)


def offer_package_download(request, token: str):
    """The Marketplace API zip, fetched by Cdiscount without login at an unguessable URL (§M6)."""
    from channels.services.inventory import package_file_for_download

    path = package_file_for_download(token)
    if path is None:
        raise Http404("no such package")
    return FileResponse(path.open("rb"), content_type="application/zip")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("metrics/", metrics, name="metrics"),
    path("offer-packages/<str:token>.zip", offer_package_download, name="offer_package_download"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("channels.urls")),
]
