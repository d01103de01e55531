"""``manage.py create_api_token``: a working token, the same one on every run."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def create_api_token(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_reader_token_reads_but_cannot_write():
    token = create_api_token("analyst")
    assert len(token) == 40
    client = client_with(token)
    assert client.get("/api/orders/").status_code == 200
    assert client.post("/api/orders/", {}, format="json").status_code == 403
    user = User.objects.get(username="analyst")
    assert not user.has_usable_password()


def test_a_writer_token_writes_and_reruns_print_the_same_token():
    token = create_api_token("shop", "--writer")
    assert create_api_token("shop", "--writer") == token
    assert create_api_token("shop") == token  # without --writer, the grant stays
    assert User.objects.filter(username="shop").count() == 1
    response = client_with(token).post("/api/orders/", {}, format="json")
    assert response.status_code == 400  # past the permission check, refused for its content


def test_an_existing_reader_can_be_made_a_writer():
    token = create_api_token("promoted")
    assert client_with(token).post("/api/orders/", {}, format="json").status_code == 403
    assert create_api_token("promoted", "--writer") == token
    assert client_with(token).post("/api/orders/", {}, format="json").status_code == 400
