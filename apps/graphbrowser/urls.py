from django.urls import path

from apps.graphbrowser import views

app_name = "graphbrowser"
urlpatterns = [
    path("", views.index, name="index"),
    path("entity/", views.entity, name="entity"),
    path("entity/neighbourhood/", views.neighbourhood, name="neighbourhood"),
    path("entity/edit/", views.edit_entity, name="edit_entity"),
    path("entity/split/", views.split, name="split"),
    path("entity/delete/", views.delete_entity, name="delete_entity"),
    path("entity/restore/", views.restore_entity, name="restore_entity"),
    path("merge/", views.merge, name="merge"),
    path("relation/", views.relation_edit, name="relation"),
    path("deleted/", views.deleted, name="deleted"),
    path("audit/", views.audit, name="audit"),
    path("stats/", views.stats, name="stats"),
    path("console/", views.console, name="console"),
    path("api/neighbourhood", views.neighbourhood_json, name="neighbourhood_json"),
]
