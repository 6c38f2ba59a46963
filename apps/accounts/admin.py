from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from apps.accounts.models import Collection, Membership
from apps.accounts.views import throttle_logins
from config.errors import UserError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    # Django's bulk "delete selected" would drop only the SQL rows and leave the collection's
    # passages in the index and its facts in the graph; this action removes all of it.
    actions = ["delete_with_contents"]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, obj: Collection) -> None:
        from apps.documents.services import delete_collection

        try:
            delete_collection(obj)
        except UserError as e:
            request._kenning_delete_error = str(e)  # type: ignore[attr-defined]

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: object) -> HttpResponse:
        error = getattr(request, "_kenning_delete_error", None)
        if error is None:
            return super().response_delete(request, obj_display, obj_id)
        self.message_user(request, error, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_collection_change", args=[obj_id]))

    @admin.action(description="Delete selected collections with their documents, passages and graph facts")
    def delete_with_contents(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        from apps.documents.services import delete_collection

        if not self.has_delete_permission(request):
            self.message_user(request, "You may not delete collections.", messages.ERROR)
            return
        for collection in queryset:
            try:
                count = delete_collection(collection)
            except UserError as e:
                self.message_user(request, f"{collection.name}: {e}", messages.ERROR)
                return
            self.message_user(request, f"Deleted {collection.name!r} and its {count} document(s).")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "collection", "role")
    list_filter = ("role", "collection")


# The admin's own login form gets the login page's attempt limits (apps/accounts/throttles.py).
admin.site.login = throttle_logins(admin.site.login)  # type: ignore[method-assign]
