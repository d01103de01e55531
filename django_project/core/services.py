"""Writes of the shop's own plumbing: the admin login lockout."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.models import AdminLoginFailure


def admin_login_failure_record(*, username: str, ip_address: str) -> None:
    """Record a failure; the pair's failures older than the lockout window no longer count, so
    they go (the table holds at most a window's failures per username and address)."""
    since = timezone.now() - timedelta(minutes=settings.ADMIN_LOGIN_LOCKOUT_MINUTES)
    pair = AdminLoginFailure.objects.filter(username=username, ip_address=ip_address)
    pair.filter(failed_at__lt=since).delete()
    AdminLoginFailure.objects.create(username=username, ip_address=ip_address)


def admin_login_failures_clear(*, username: str, ip_address: str) -> None:
    """A successful login forgives the earlier failures of that username from that address."""
    AdminLoginFailure.objects.filter(username=username, ip_address=ip_address).delete()
