"""The catalogue in the reviewer console: listings with their risk and
photos, shops and sellers. Read-only: status changes come from decisions."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from platform_core.admin import ReviewerAdminMixin, ReviewerInlineMixin, admin_link

from .models import ImageStatus, Listing, ListingImage, Seller, Shop


def _count_of(model, fk: str) -> Coalesce:
    """A per-row count as a correlated subquery: evaluated for the page's rows
    only, where a join and GROUP BY would aggregate the whole catalogue."""
    counts = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _thumbnail(image: ListingImage | None, width: int = 160):
    if image is None:
        return _("No photos")
    if image.status != ImageStatus.READY or not image.thumbnail:
        return image.get_status_display() + (f": {image.error}" if image.error else "")
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="{}"></a>',
        image.image.url,
        image.thumbnail.url,
        width,
    )


class ListingImageInline(ReviewerInlineMixin, admin.TabularInline):
    model = ListingImage
    fields = ("position", "preview", "status", "width", "height", "source_url", "error")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description=_("photo"))
    def preview(self, obj):
        return _thumbnail(obj, width=96)


@admin.register(Listing)
class ListingAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("external_id", "title", "shop_link", "status", "risk_score", "scanned_at")
    list_filter = ("status",)
    search_fields = ("external_id", "title", "shop__external_id")
    list_select_related = ("shop",)
    show_full_result_count = False
    ordering = ("-id",)
    fieldsets = (
        (None, {"fields": ("first_photo", "external_id", "shop", "title", "description")}),
        (_("Offer"), {"fields": ("price", "currency", "category")}),
        (
            _("Status and risk"),
            {"fields": ("status", "risk_score", "signals", "scanned_at", "revision")},
        ),
        (
            _("Dates"),
            {"fields": ("created_at", "updated_at", "went_live_at", "delisted_at")},
        ),
    )
    readonly_fields = ("first_photo", "signals")
    inlines = (ListingImageInline,)

    @admin.display(description=_("shop"), ordering="shop__external_id")
    def shop_link(self, obj):
        return admin_link(obj.shop, obj.shop.external_id)

    @admin.display(description=_("photo"))
    def first_photo(self, obj):
        return _thumbnail(obj.images.order_by("position").first())

    @admin.display(description=_("signals"))
    def signals(self, obj):
        if not obj.risk_signals:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> ({}) {}</li>",
                (
                    (s.get("code", "?"), s.get("weight", ""), s.get("detail", ""))
                    for s in obj.risk_signals
                    if isinstance(s, dict)
                ),
            ),
        )


@admin.register(Shop)
class ShopAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("external_id", "name", "status", "seller", "listing_count", "created_at")
    list_filter = ("status",)
    search_fields = ("external_id", "name", "seller__external_id")
    list_select_related = ("seller",)
    ordering = ("external_id",)
    fields = ("external_id", "name", "seller", "status", "listing_count", "created_at")
    readonly_fields = ("listing_count",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_listings=_count_of(Listing, "shop"))

    @admin.display(description=_("listings"), ordering="n_listings")
    def listing_count(self, obj):
        return obj.n_listings


class ShopInline(ReviewerInlineMixin, admin.TabularInline):
    model = Shop
    fields = ("external_id", "name", "status")
    readonly_fields = fields


@admin.register(Seller)
class SellerAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("external_id", "user", "shop_count", "created_at")
    search_fields = ("external_id", "user__username")
    list_select_related = ("user",)
    ordering = ("external_id",)
    fields = ("external_id", "user", "created_at")
    inlines = (ShopInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_shops=_count_of(Shop, "seller"))

    @admin.display(description=_("shops"), ordering="n_shops")
    def shop_count(self, obj):
        return obj.n_shops
