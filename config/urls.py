import time
from typing import Any

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_page, never_cache
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response

from config.health import healthz

# A new process may serve new translations: cached catalogues are keyed by its start.
_DEPLOYED = int(time.time())


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI from the pinned copy of npm's swagger-ui-dist in static/vendor/swagger-ui/
    (package.json, ``npm run vendor``): the page works without internet, unlike the CDN default."""

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"vendor/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static("vendor/swagger-ui/favicon-32x32.png")

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)
        if isinstance(spectacular_settings.SWAGGER_UI_SETTINGS, dict):
            # validatorUrl: Swagger UI would otherwise fetch a badge from validator.swagger.io.
            ui_settings = {"validatorUrl": None, **spectacular_settings.SWAGGER_UI_SETTINGS}
            response.data["settings"] = self._dump(ui_settings)
        return response


urlpatterns = [
    path("", include("apps.qa.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("documents/", include("apps.documents.urls")),
    path("graph/", include("apps.graphbrowser.urls")),
    path("", include("apps.diagnose.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("apps.documents.api_urls")),
    path("api/", include("apps.accounts.api_urls")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (JSON, opened PDFs).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # Language switcher (POST set_language) and the portal scripts' message catalogue.
    path("i18n/", include("django.conf.urls.i18n")),
    # Every page loads the catalogue in its <head>: built once per language and process, then cached
    # on the server (the key carries the active language); never in browsers, which would keep the
    # English one after a switch to another language (the URL is the same).
    path(
        "jsi18n/",
        never_cache(cache_page(86400, key_prefix=f"jsi18n-{_DEPLOYED}")(JavaScriptCatalog.as_view())),
        name="javascript-catalog",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
