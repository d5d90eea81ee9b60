from rest_framework.permissions import BasePermission

from platform_core.models import Role


def role_permission(*roles: str) -> type[BasePermission]:
    """A permission class admitting users with one of ``roles``."""

    class HasRole(BasePermission):
        message = "Your account's role may not use this endpoint."

        def has_permission(self, request, view):
            return bool(request.user.is_authenticated and request.user.role in roles)

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole


IsMarketplace = role_permission(Role.MARKETPLACE)
IsReviewer = role_permission(Role.REVIEWER)
IsBrandStaff = role_permission(Role.BRAND)
IsBrandOrReviewer = role_permission(Role.BRAND, Role.REVIEWER)
