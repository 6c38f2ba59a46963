from django.http import HttpRequest

from apps.accounts.access import administered_collection_ids


def navigation(request: HttpRequest) -> dict[str, object]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_is_graph_admin": False}
    return {"nav_is_graph_admin": user.is_superuser or bool(administered_collection_ids(user))}
