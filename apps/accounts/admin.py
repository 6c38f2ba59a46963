from django.contrib import admin

from apps.accounts.models import Collection, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "collection", "role")
    list_filter = ("role", "collection")
