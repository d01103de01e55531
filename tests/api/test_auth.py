"""Who may do what: anonymous requests get 401, readers read, only writers write."""

import pytest
from shop_builder import hex_id

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = [
    "/api/",
    "/api/customers/",
    "/api/sellers/",
    "/api/categories/",
    "/api/products/",
    "/api/orders/",
    "/api/order-items/",
    "/api/payments/",
    "/api/deliveries/",
    "/api/reviews/",
    "/api/geolocations/",
]
ORDER = hex_id("d1")
WRITES = [
    "/api/orders/",
    *(f"/api/orders/{ORDER}/{step}/" for step in ("approve", "invoice", "ship", "deliver")),
    f"/api/orders/{ORDER}/cancel/",
    f"/api/orders/{ORDER}/reviews/",
]


@pytest.mark.parametrize("url", [*LIST_ENDPOINTS, f"/api/orders/{ORDER}/"])
def test_anonymous_reads_get_401_with_a_token_challenge(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", WRITES)
def test_anonymous_writes_get_401(anonymous, url):
    assert anonymous.post(url, {}, format="json").status_code == 401


@pytest.mark.parametrize("token", ["0" * 40, "0" * 20 + "\x00" + "0" * 19])
def test_an_unknown_token_gets_401(anonymous, token):
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + token)
    response = anonymous.get("/api/orders/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_health_check_schema_and_docs_are_open(anonymous):
    health = anonymous.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    schema = anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/orders/", "/api/orders/{id}/", "/api/orders/{id}/approve/"} <= set(paths)
    assert "requestBody" in paths["/api/orders/"]["post"]
    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_readers_read(reader, url):
    assert reader.get(url).status_code == 200


@pytest.mark.parametrize("url", WRITES)
def test_readers_cannot_write(shop, reader, url):
    response = reader.post(url, {}, format="json")
    assert response.status_code == 403
    assert "write permission" in response.json()["detail"]


def test_writers_write(shop, writer):
    assert writer.post(f"/api/orders/{shop.created.pk}/approve/").status_code == 200
