"""Reads that enforce tenancy: brand staff see their own organisations' objects,
reviewers see everything, other roles see none of it. Every view, portal page
and API endpoint fetches organisation data through these."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from platform_core.errors import NotFound
from platform_core.models import Role

from .models import Brand, Organisation, Trademark

VIEW_ORGANISATION = "rightsholders.view_organisation"


def organisations_for(user) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.role == Role.REVIEWER:
        return Organisation.objects.all()
    if user.role == Role.BRAND:
        return get_objects_for_user(
            user, VIEW_ORGANISATION, klass=Organisation, accept_global_perms=False
        )
    return Organisation.objects.none()


def organisation_ids_for(user) -> QuerySet:
    return organisations_for(user).values("id")


def organisation_get_for_user(user, organisation_id) -> Organisation:
    try:
        return organisations_for(user).get(pk=int(organisation_id))
    except (Organisation.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such organisation.") from None


def brands_for(user) -> QuerySet[Brand]:
    if user.is_authenticated and user.role == Role.REVIEWER:
        return Brand.objects.all()
    return Brand.objects.filter(organisation__in=organisation_ids_for(user))


def brand_get_for_user(user, brand_id) -> Brand:
    try:
        return brands_for(user).select_related("organisation").get(pk=int(brand_id))
    except (Brand.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such brand.") from None


def trademarks_for(user) -> QuerySet[Trademark]:
    if user.is_authenticated and user.role == Role.REVIEWER:
        return Trademark.objects.all()
    return Trademark.objects.filter(organisation__in=organisation_ids_for(user))


def trademark_get_for_user(user, trademark_id) -> Trademark:
    try:
        return (
            trademarks_for(user).select_related("organisation", "brand").get(pk=int(trademark_id))
        )
    except (Trademark.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such trademark.") from None
