"""The project's URLs plus the documents API include that config/urls.py is to carry."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("api/", include("apps.documents.api_urls")), *project_urlpatterns]
