from django.urls import path

from apps.diagnose import api, views

app_name = "diagnose"
urlpatterns = [
    path("diagnose/", views.page, name="page"),
    path("api/diagnose", api.DiagnoseView.as_view(), name="api-diagnose"),
    path("api/diagnose/suggest", api.SuggestView.as_view(), name="api-suggest"),
]
