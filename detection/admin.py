"""Reviewer console for detection: thresholds and haze terms (editable, each
change audited through the services), and read-only suspects, sweeps and
learned-score versions."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from platform_core.admin import ReviewerAdminMixin, admin_link, is_reviewer
from platform_core.errors import DomainError

from . import services
from .models import DetectionPolicy, HazeTerm, ModelVersion, ScanJob, Suspect


class _ReviewerEditable(admin.ModelAdmin):
    """Reviewers edit these settings; nothing is deleted (deactivate instead)."""

    def has_module_permission(self, request):
        return is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_add_permission(self, request):
        return is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DetectionPolicy)
class DetectionPolicyAdmin(_ReviewerEditable):
    list_display = ("suspect_threshold", "block_threshold", "min_labels_for_model", "updated_at")
    fields = ("suspect_threshold", "block_threshold", "min_labels_for_model")

    def has_add_permission(self, request):
        return is_reviewer(request.user) and not DetectionPolicy.objects.exists()

    def save_model(self, request, obj, form, change):
        try:
            services.policy_update(
                user=request.user,
                suspect_threshold=obj.suspect_threshold,
                block_threshold=obj.block_threshold,
                min_labels_for_model=obj.min_labels_for_model,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            raise ValidationError(exc.message) from exc


@admin.register(HazeTerm)
class HazeTermAdmin(_ReviewerEditable):
    list_display = ("term", "weight", "active", "updated_at")
    list_filter = ("active",)
    list_editable = ("weight", "active")
    search_fields = ("term",)
    fields = ("term", "weight", "active")

    def save_model(self, request, obj, form, change):
        services.haze_term_save(user=request.user, term=obj)


@admin.register(Suspect)
class SuspectAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("score", "brand", "listing_link", "status", "updated_at")
    list_filter = ("status", "brand")
    search_fields = ("listing__external_id", "listing__title", "brand__name")
    list_select_related = ("brand", "listing")
    ordering = ("-score", "-id")
    show_full_result_count = False

    @admin.display(description=_("listing"))
    def listing_link(self, obj):
        return admin_link(obj.listing, obj.listing.title[:80])


@admin.register(ScanJob)
class ScanJobAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "brand",
        "status",
        "progress_text",
        "suspects_found",
        "created_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("brand",)

    @admin.display(description=_("progress"))
    def progress_text(self, obj):
        return f"{obj.done} / {obj.total}"


@admin.register(ModelVersion)
class ModelVersionAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "labels", "positives", "precision", "recall", "active")
    exclude = ("blob",)
