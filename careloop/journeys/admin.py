"""Journeys in the admin: read-only, because a journey changes only by loading a journey file
(a new version keeps past measurements tied to the standards they were measured against).
The one change allowed is making an older version active again (a rollback)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from careloop.journeys.models import Journey, Standard, Touchpoint


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TouchpointInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Touchpoint
    fields = ("order", "key", "name", "channel", "is_origin", "owner")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Journey)
class JourneyAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "is_active", "loaded_at", "source_file")
    list_filter = ("is_active",)
    readonly_fields = ("name", "version", "is_active", "description", "loaded_at", "source_file", "content_hash")
    exclude = ("owner_keys",)
    inlines = [TouchpointInline]
    actions = ["make_active"]

    @admin.action(description="Make the selected version the active journey")
    def make_active(self, request: HttpRequest, queryset: QuerySet[Journey]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version to make active.", messages.ERROR)
            return
        chosen = queryset.get()
        with transaction.atomic():
            Journey.objects.filter(is_active=True).update(is_active=False)
            Journey.objects.filter(pk=chosen.pk).update(is_active=True)
        self.message_user(request, f"Version {chosen.version} is now the active journey.", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Change permission is off for everyone, so the action checks the superuser itself.
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("make_active", None)
        return actions


@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "journey", "channel", "is_origin", "owner")
    list_filter = ("journey", "channel", "is_origin")
    search_fields = ("key", "name")


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "touchpoint", "kind", "threshold", "threshold_unit", "goal", "direction", "journey")
    list_filter = ("journey", "kind")
    search_fields = ("key", "name", "source")
