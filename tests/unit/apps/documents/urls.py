"""The project's URLs plus the documents API include that config/urls.py is to carry."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("api/", include("apps.documents.api_urls")), *project_urlpatterns]

from config.urls import handler400, handler403, handler404  # noqa: E402, F401
