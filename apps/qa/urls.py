from django.urls import path

from apps.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.portal, name="portal"),
]
