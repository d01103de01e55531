"""Brute-force protection on the admin login (``core.admin_site.ShopAdminSite``).

Guessing passwords must stop after a few tries, without letting an attacker lock a staff member
out from another address, and without the lock being a password oracle (while locked, a correct
password is refused too).
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery"  # pragma: allowlist secret
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"


@pytest.fixture(autouse=True)
def lockout_rules(settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 5
    settings.ADMIN_LOGIN_LOCKOUT_MINUTES = 15


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("support", "s@example.com", PASSWORD)


def log_in(client, password, username="support", address=ATTACKER):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def fail(client, times, **kwargs):
    for _ in range(times):
        assert log_in(client, "wrong", **kwargs).status_code == 200  # the form, with its error


def test_five_failures_lock_the_pair_out_with_retry_after(client, staff):
    fail(client, 5)
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)


def test_a_locked_pair_is_refused_even_with_the_right_password(client, staff):
    fail(client, 5)
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_failures_still_let_the_right_password_in_and_are_forgiven(client, staff):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    # The success cleared the four failures: four more do not lock yet.
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lock_binds_one_username_from_one_address(client, staff, django_user_model):
    django_user_model.objects.create_superuser("other", "o@example.com", PASSWORD)
    fail(client, 5)
    assert log_in(client, PASSWORD, address=OFFICE).status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, username="other").status_code == 302


def test_failures_older_than_the_window_do_not_count(client, staff):
    from core.models import AdminLoginFailure

    fail(client, 5)
    AdminLoginFailure.objects.update(failed_at="2020-01-01T00:00:00Z")
    assert log_in(client, PASSWORD).status_code == 302


def test_a_new_failure_removes_the_pairs_expired_ones(client, staff):
    from core.models import AdminLoginFailure

    fail(client, 3)
    fail(client, 2, address=OFFICE)
    AdminLoginFailure.objects.update(failed_at="2020-01-01T00:00:00Z")
    fail(client, 1)

    kept = AdminLoginFailure.objects.values_list("ip_address", flat=True)
    assert sorted(kept) == [OFFICE, OFFICE, ATTACKER]
