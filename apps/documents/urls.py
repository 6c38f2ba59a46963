from django.urls import path

from apps.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.collection_list, name="collections"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/upload/", views.upload, name="upload"),
    path("collections/<int:collection_id>/status/", views.status, name="status"),
    path("<int:document_id>/", views.document_detail, name="document"),
    path("<int:document_id>/file/", views.original_file, name="file"),
    path("<int:document_id>/replace/", views.replace, name="replace"),
    path("<int:document_id>/delete/", views.delete, name="delete"),
    path("versions/<int:version_id>/retry/", views.retry, name="retry"),
    path("versions/<int:version_id>/mapping/", views.record_mapping, name="mapping"),
]
