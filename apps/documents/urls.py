from django.urls import path

from apps.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.collection_list, name="collections"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection"),
]
