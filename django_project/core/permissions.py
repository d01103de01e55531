from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOrShopWrite(BasePermission):
    """Any authenticated user reads; writing needs the shop's write permission.

    Anonymous requests are refused (401 with token authentication); an authenticated user
    without ``settings.SHOP_WRITE_PERMISSION`` gets 403 on a write.
    """

    message = "Writing needs the shop write permission."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.has_perm(settings.SHOP_WRITE_PERMISSION)
