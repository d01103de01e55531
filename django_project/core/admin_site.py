"""The admin site, with brute-force protection on its login form."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, HttpResponseRedirect

from core.selectors import admin_login_is_locked
from core.services import admin_login_failure_record, admin_login_failures_clear


class ShopAdminSite(admin.AdminSite):
    """After ``ADMIN_LOGIN_MAX_FAILURES`` failed logins of one username from one address within
    ``ADMIN_LOGIN_LOCKOUT_MINUTES``, further attempts get a 429 without checking the password,
    until the window has passed. Keyed by username *and* address, so an attacker cannot lock a
    staff member out from elsewhere; a success clears that pair's failures.

    The address is ``REMOTE_ADDR``: behind a proxy, have the proxy set it (gunicorn's
    ``--forwarded-allow-ips``), never trust a client-supplied header here.
    """

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        key = {
            "username": request.POST.get("username", "")[:150],
            "ip_address": request.META.get("REMOTE_ADDR", "")[:45],
        }
        if admin_login_is_locked(**key):
            minutes = settings.ADMIN_LOGIN_LOCKOUT_MINUTES
            response = HttpResponse(
                f"Too many failed logins for this user from this address; try again in "
                f"{minutes} minutes.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(minutes * 60)
            return response
        response = super().login(request, extra_context)
        if isinstance(response, HttpResponseRedirect) and request.user.is_authenticated:
            admin_login_failures_clear(**key)
        else:
            admin_login_failure_record(**key)
        return response
