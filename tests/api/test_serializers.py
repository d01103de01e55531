"""The orders API's serializers share their fields between requests and render timestamps in
the shop's time zone: neither may change what a client sends or gets back."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from orders.selectors import order_get
from orders.serializers import OrderDetailSerializer, OrderPlacementSerializer
from rest_framework import serializers
from shop_builder import placement

pytestmark = pytest.mark.django_db


def validated(body: dict) -> tuple[bool, object]:
    placement_input = OrderPlacementSerializer(data=body)
    if placement_input.is_valid():
        return True, placement_input.validated_data
    return False, placement_input.errors


def test_shared_fields_keep_nothing_from_one_validation_to_the_next(shop):
    good = placement(shop)
    bad = placement(shop)
    bad["items"] = [good["items"][0] | {"price": "cheap"}, good["items"][1]]
    bad["customer"] = good["customer"] | {"customer_state": "XX"}

    assert validated(bad)[0] is False
    ok, data = validated(good)
    assert ok, data
    assert [str(item["price"]) for item in data["items"]] == ["29.99", "118.70"]
    ok, errors = validated(bad)
    assert not ok
    assert set(errors) == {"customer", "items"}
    assert set(errors["items"]) == {0}
    assert set(errors["items"][0]) == {"price"}
    # Two instances share the fields, not their results.
    assert OrderPlacementSerializer().fields is OrderPlacementSerializer().fields


def test_shared_fields_validate_concurrent_requests_independently(shop):
    """The fields are shared by the threads of a process: valid and invalid bodies validated
    at the same time each get their own result."""
    bodies = []
    for n in range(40):
        body = placement(shop)
        if n % 2:
            body["items"] = [body["items"][0] | {"seller_id": f"bad-{n}"}, body["items"][1]]
        bodies.append(body)
    expected = [validated(body) for body in bodies]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(validated, bodies)) == expected
    assert [ok for ok, _ in expected] == [n % 2 == 0 for n in range(40)]


def test_timestamps_render_as_drf_renders_them_in_the_current_time_zone(shop):
    """Every timestamp of an order's detail (order, customer, delivery, items, payments,
    reviews) is what DRF's own DateTimeField renders: São Paulo time, with its offset."""
    order = order_get(shop.delivered.pk)
    order.order_approved_at = datetime(2017, 10, 2, 14, 0, 5, tzinfo=UTC)
    body = OrderDetailSerializer(order).data
    drf = serializers.DateTimeField()

    def stamps(mapping, source):
        for name in mapping:
            value = getattr(source, name, None)
            if isinstance(value, datetime):
                yield mapping[name], drf.to_representation(value)

    pairs = list(stamps(body, order))
    pairs += stamps(body["customer"], order.customer)
    pairs += stamps(body["delivery"], order.delivery)
    for rendered, row in [
        *zip(body["items"], order.item_list, strict=True),
        *zip(body["payments"], order.payment_list, strict=True),
        *zip(body["reviews"], order.review_list, strict=True),
    ]:
        pairs += stamps(rendered, row)
    assert len(pairs) >= 15
    assert all(rendered == expected for rendered, expected in pairs), pairs
    assert body["order_approved_at"] == "2017-10-02T11:00:05-03:00"


def test_the_schema_describes_each_component_for_clients_not_its_implementation():
    """A serializer's docstring is its component's description in the published schema, so an
    implementation note on a base class must not end up there."""
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    descriptions = {name: c.get("description", "") for name, c in components.items()}
    assert descriptions["OrderItem"].startswith("An item of an order")
    leaking = {
        name: text
        for name, text in descriptions.items()
        if any(word in text.lower() for word in ("serializer", "drf", "prototype", "per class"))
    }
    assert leaking == {}
