"""Every list and detail endpoint, their filters, ordering and pagination, and their cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shop_builder import hex_id

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response, key: str) -> list:
    return [row[key] for row in results(response)]


def test_order_list_is_newest_first_with_customer_fields(shop, reader):
    rows = results(reader.get("/api/orders/"))
    assert [row["order_id"] for row in rows] == [
        shop.shipped.pk,
        shop.created.pk,
        shop.delivered.pk,
    ]
    assert rows[2] | {"created_at": None, "updated_at": None} == {
        "order_id": shop.delivered.pk,
        "customer_id": shop.ana.pk,
        "customer_state": "SP",
        "order_status": "delivered",
        "order_purchase_timestamp": "2017-10-02T10:56:00-03:00",
        "order_approved_at": None,
        "order_invoiced_at": None,
        "order_canceled_at": None,
        "created_at": None,
        "updated_at": None,
    }


def test_order_detail_nests_customer_delivery_items_payments_reviews(shop, reader):
    response = reader.get(f"/api/orders/{shop.delivered.pk}/")
    assert response.status_code == 200
    order = response.json()
    assert order["customer"]["customer_unique_id"] == hex_id("a1")
    assert order["delivery"]["order_estimated_delivery_date"] == "2017-10-26"
    assert order["delivery"]["order_delivered_customer_date"] == "2017-10-10T10:56:00-03:00"
    assert [
        (item["order_item_id"], item["product_id"], item["seller_id"], item["price"])
        for item in order["items"]
    ] == [
        (1, shop.perfume.pk, shop.seller_sp.pk, "29.99"),
        (2, shop.perfume.pk, shop.seller_sp.pk, "29.99"),
        (3, shop.towel.pk, shop.seller_rj.pk, "118.70"),
    ]
    assert [(p["payment_sequential"], p["payment_value"]) for p in order["payments"]] == [
        (1, "218.88")
    ]
    assert [(r["review_id"], r["review_score"]) for r in order["reviews"]] == [(hex_id("e1"), 4)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=created", ["d2"]),
        ("status=created&status=shipped", ["d3", "d2"]),
        ("purchased_after=2018-01-01", ["d3", "d2"]),
        ("purchased_before=2018-07-24T20:41:00-03:00", ["d1"]),
        ("purchased_after=2017-10-02T10:56:00-03:00&purchased_before=2018-08-01", ["d2", "d1"]),
        ("customer_state=MG", ["d3"]),
        (f"customer_unique_id={hex_id('a1')}", ["d2", "d1"]),
        (f"customer={hex_id('c3')}", ["d3"]),
        (f"seller={hex_id('5a')}", ["d2", "d1"]),  # d1 has two items of this seller: once
        (f"seller={hex_id('5b')}", ["d3", "d1"]),
        (f"seller={hex_id('99')}", []),
        ("ordering=order_purchase_timestamp", ["d1", "d2", "d3"]),
        ("ordering=order_status", ["d2", "d1", "d3"]),
    ],
)
def test_order_filters_and_ordering(shop, reader, query, expected):
    assert ids(reader.get(f"/api/orders/?{query}"), "order_id") == [hex_id(x) for x in expected]


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "purchased_after=yesterday",
        "purchased_before=2018-13-01",
        "customer_state=XX",
        "customer_state=sp",
    ],
)
def test_bad_filter_values_are_400_naming_the_filter(shop, reader, query):
    response = reader.get(f"/api/orders/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize(
    ("url", "key", "expected"),
    [
        ("/api/customers/?state=MG", "customer_id", [hex_id("c3")]),
        ("/api/customers/?city=Sao%20Paulo", "customer_id", [hex_id("c1"), hex_id("c2")]),
        (
            f"/api/customers/?customer_unique_id={hex_id('a1')}",
            "customer_id",
            [hex_id("c1"), hex_id("c2")],
        ),
        ("/api/customers/?zip_code_prefix=30130", "customer_id", [hex_id("c3")]),
        ("/api/sellers/?state=RJ", "seller_id", [hex_id("5b")]),
        ("/api/sellers/?city=campinas", "seller_id", [hex_id("5a")]),
        (
            "/api/categories/",
            "product_category_name",
            ["cama_mesa_banho", "pc_gamer", "perfumaria"],
        ),
        ("/api/categories/?translated=false", "product_category_name", ["pc_gamer"]),
        ("/api/products/?category=perfumaria", "product_id", [hex_id("b1")]),
        ("/api/products/?uncategorized=true", "product_id", [hex_id("b3")]),
        (
            "/api/products/?ordering=-product_weight_g",
            "product_id",
            [hex_id("b2"), hex_id("b1"), hex_id("b3")],
        ),
        ("/api/products/?min_weight_g=100&max_weight_g=500", "product_id", [hex_id("b1")]),
        (f"/api/order-items/?order={hex_id('d1')}", "order_item_id", [1, 2, 3]),
        (f"/api/order-items/?seller={hex_id('5b')}", "order_id", [hex_id("d1"), hex_id("d3")]),
        (f"/api/order-items/?product={hex_id('b3')}", "order_id", [hex_id("d2")]),
        ("/api/order-items/?min_price=100&ordering=-price", "price", ["159.90", "118.70"]),
        (f"/api/payments/?order={hex_id('d3')}", "payment_value", ["179.12"]),
        ("/api/payments/?payment_type=boleto", "order_id", []),
        ("/api/deliveries/?delivered=true", "order_id", [hex_id("d1")]),
        ("/api/deliveries/?delivered=false", "order_id", [hex_id("d2"), hex_id("d3")]),
        ("/api/deliveries/?estimated_after=2018-08-01", "order_id", [hex_id("d2"), hex_id("d3")]),
        ("/api/reviews/?score=1", "review_id", [hex_id("e3")]),
        (f"/api/reviews/?order={hex_id('d1')}", "review_score", [4]),
        ("/api/reviews/?min_score=2", "review_id", [hex_id("e1")]),
        ("/api/reviews/?ordering=review_score", "review_score", [1, 4]),
        ("/api/geolocations/?state=MG", "geolocation_city", ["belo horizonte"]),
        ("/api/geolocations/?zip_code_prefix=01031", "geolocation_lat", [-23.55]),
    ],
)
def test_list_endpoints_filter_and_order(shop, reader, url, key, expected):
    assert ids(reader.get(url), key) == expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/reviews/?score=6",
        "/api/payments/?payment_type=pix",
        "/api/products/?min_weight_g=heavy",
        "/api/order-items/?min_price=NaN",
        "/api/deliveries/?estimated_after=soon",
        "/api/geolocations/?state=ZZ",
    ],
)
def test_every_list_refuses_bad_filter_values(shop, reader, url):
    assert reader.get(url).status_code == 400


def test_an_out_of_range_number_filter_is_not_a_500(shop, reader):
    response = reader.get("/api/payments/?min_installments=99999999999999999999")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    ("url", "key", "value"),
    [
        (f"/api/customers/{hex_id('c3')}/", "customer_city", "belo horizonte"),
        (f"/api/sellers/{hex_id('5b')}/", "seller_state", "RJ"),
        ("/api/categories/perfumaria/", "product_category_name_english", "perfumery"),
        (f"/api/products/{hex_id('b1')}/", "product_category_name_english", "perfumery"),
        (f"/api/products/{hex_id('b3')}/", "product_category_name", None),
        (f"/api/deliveries/{hex_id('d3')}/", "order_estimated_delivery_date", "2018-09-01"),
    ],
)
def test_detail_endpoints(shop, reader, url, key, value):
    response = reader.get(url)
    assert response.status_code == 200
    assert response.json()[key] == value


def test_detail_of_rows_with_a_surrogate_key(shop, reader):
    for resource in ("order-items", "payments", "reviews", "geolocations"):
        first = results(reader.get(f"/api/{resource}/"))[0]
        detail = reader.get(f"/api/{resource}/{first['id']}/")
        assert (detail.status_code, detail.json()) == (200, first)


@pytest.mark.parametrize(
    "url",
    [
        "/api/orders/not-a-hex-id/",
        f"/api/orders/{'A' * 32}/",
        f"/api/orders/{hex_id('d1')}0/",
        f"/api/orders/{hex_id('99')}/",
        f"/api/customers/{hex_id('99')}/",
        "/api/categories/nao_existe/",
        "/api/order-items/abc/",
        "/api/payments/99999999999999999/",
        "/api/reviews/-1/",
        f"/api/orders/{hex_id('99')}/approve/",
    ],
)
def test_unknown_or_malformed_ids_are_404(shop, writer, url):
    method = writer.post if url.endswith("approve/") else writer.get
    assert method(url).status_code == 404


def test_pagination_is_bounded_and_stable(shop, many_orders, reader):
    total = many_orders + 3
    first = reader.get("/api/orders/?page_size=20").json()
    assert first["count"] == total
    assert len(first["results"]) == 20
    assert first["next"].endswith("page=2&page_size=20")
    # Every order has a page; ties (none here) could not reorder the rows between pages.
    seen = []
    for page in range(1, 5):
        seen += ids(reader.get(f"/api/orders/?page_size=20&page={page}"), "order_id")
    assert len(seen) == len(set(seen)) == total
    assert (
        len(results(reader.get("/api/orders/?page_size=100000"))) == total
    )  # served, at most 500 rows
    assert len(results(reader.get("/api/orders/"))) == 50  # the default
    assert reader.get("/api/orders/?page=99").status_code == 404


def test_ties_in_the_ordering_are_broken_by_the_key(shop, many_orders, reader):
    # All 60 extra orders are delivered: ordering by status alone would leave them in any order.
    rows = results(reader.get("/api/orders/?ordering=order_status&page_size=500"))
    delivered = [row["order_id"] for row in rows if row["order_status"] == "delivered"]
    assert len(delivered) == many_orders + 1
    assert delivered == sorted(delivered)


@pytest.mark.parametrize(
    "url",
    [
        "/api/orders/",
        "/api/order-items/",
        "/api/products/",
        "/api/reviews/",
        "/api/payments/",
        "/api/deliveries/",
        "/api/customers/",
    ],
)
def test_list_query_count_does_not_grow_with_the_page(shop, many_orders, reader, url):
    def queries_for(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = results(reader.get(f"{url}?page_size={page_size}"))
        assert len(rows) == page_size
        return len(queries)

    assert queries_for(5) == queries_for(50)


def test_order_detail_costs_a_fixed_number_of_queries(shop, many_orders, reader):
    # Token, order with customer and delivery, then items, payments and reviews.
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(f"/api/orders/{shop.delivered.pk}/").status_code == 200
    assert len(queries) == 5
