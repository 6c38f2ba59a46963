from django.urls import path

from apps.qa import api, views

app_name = "qa"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("conversations/<int:conversation_id>/", views.portal, name="conversation"),
    path("ask", views.ask, name="ask"),
    path("answers/<int:answer_id>/feedback", views.feedback, name="feedback"),
    path("passages/<str:chunk_id>/", views.passage, name="passage"),
    path("api/qa/ask", api.AskView.as_view(), name="api-ask"),
    path("api/qa/conversations", api.ConversationListView.as_view(), name="api-conversations"),
    path(
        "api/qa/conversations/<int:conversation_id>",
        api.ConversationDetailView.as_view(),
        name="api-conversation",
    ),
]
