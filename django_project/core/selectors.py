"""Reads of the shop's own plumbing: the admin login lockout."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.models import AdminLoginFailure


def admin_login_is_locked(*, username: str, ip_address: str) -> bool:
    """Whether this username, from this address, failed too often within the lockout window."""
    since = timezone.now() - timedelta(minutes=settings.ADMIN_LOGIN_LOCKOUT_MINUTES)
    recent = AdminLoginFailure.objects.filter(
        username=username, ip_address=ip_address, failed_at__gte=since
    )
    return recent.count() >= settings.ADMIN_LOGIN_MAX_FAILURES
