from django.urls import path

from apps.graphbrowser import views

app_name = "graphbrowser"
urlpatterns = [
    path("", views.index, name="index"),
]
