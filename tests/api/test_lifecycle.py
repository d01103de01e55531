"""An order's lifecycle (approve, invoice, ship, deliver, cancel) and its review."""

import threading
from datetime import datetime, time

import pytest
from django.db import connection
from django.utils import timezone
from orders.models import Order, Review
from shop_builder import hex_id, row_counts

pytestmark = pytest.mark.django_db

STEPS = ("approve", "invoice", "ship", "deliver", "cancel")
ALLOWED_FROM = {
    "approve": {"created"},
    "invoice": {"approved", "processing"},
    "ship": {"invoiced"},
    "deliver": {"shipped"},
    "cancel": {"created", "approved", "processing", "invoiced"},
}


def step(client, order_id: str, name: str):
    return client.post(f"/api/orders/{order_id}/{name}/")


def test_happy_path_records_every_moment(shop, writer):
    order_id = shop.created.pk
    moments = {}
    for name, status in [
        ("approve", "approved"),
        ("invoice", "invoiced"),
        ("ship", "shipped"),
        ("deliver", "delivered"),
    ]:
        before = timezone.now()
        response = step(writer, order_id, name)
        assert response.status_code == 200, response.content
        assert response.json()["order_status"] == status
        moments[name] = (before, timezone.now())

    order = Order.objects.select_related("delivery").get(pk=order_id)
    assert order.order_status == "delivered"
    for name, recorded in [
        ("approve", order.order_approved_at),
        ("invoice", order.order_invoiced_at),
        ("ship", order.delivery.order_delivered_carrier_date),
        ("deliver", order.delivery.order_delivered_customer_date),
    ]:
        started, ended = moments[name]
        assert started <= recorded <= ended, name
    assert order.order_canceled_at is None
    detail = writer.get(f"/api/orders/{order_id}/").json()
    assert detail["delivery"]["order_delivered_customer_date"] is not None


def test_processing_orders_can_be_invoiced(shop, writer):
    Order.objects.filter(pk=shop.created.pk).update(order_status="processing")
    assert step(writer, shop.created.pk, "invoice").json()["order_status"] == "invoiced"


@pytest.mark.parametrize("status", ["created", "approved", "processing", "invoiced"])
def test_cancel_records_the_moment(shop, writer, status):
    Order.objects.filter(pk=shop.created.pk).update(order_status=status)
    response = step(writer, shop.created.pk, "cancel")
    assert response.status_code == 200
    order = Order.objects.get(pk=shop.created.pk)
    assert order.order_status == "canceled"
    assert order.order_canceled_at is not None


ILLEGAL = [
    (name, status)
    for name in STEPS
    for status in Order.Status.values
    if status not in ALLOWED_FROM[name]
]


@pytest.mark.parametrize(("name", "status"), ILLEGAL)
def test_every_illegal_step_is_409_naming_the_status_and_changes_nothing(
    shop, writer, name, status
):
    Order.objects.filter(pk=shop.created.pk).update(order_status=status)
    before = Order.objects.select_related("delivery").get(pk=shop.created.pk)
    response = step(writer, shop.created.pk, name)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["current_status"] == status
    assert set(body["allowed_statuses"]) == ALLOWED_FROM[name]
    assert status in body["detail"]
    assert all(allowed in body["detail"] for allowed in ALLOWED_FROM[name])
    after = Order.objects.select_related("delivery").get(pk=shop.created.pk)
    assert (after.order_status, after.order_approved_at, after.order_canceled_at) == (
        before.order_status,
        before.order_approved_at,
        before.order_canceled_at,
    )
    assert (
        after.delivery.order_delivered_carrier_date == before.delivery.order_delivered_carrier_date
    )


@pytest.mark.parametrize("name", STEPS)
def test_steps_on_an_unknown_order_are_404(shop, writer, name):
    assert step(writer, hex_id("999"), name).status_code == 404


def test_an_order_without_a_delivery_record_cannot_ship(shop, writer):
    Order.objects.filter(pk=shop.created.pk).update(order_status="invoiced")
    shop.created.delivery.delete()
    response = step(writer, shop.created.pk, "ship")
    assert (response.status_code, response.json()["code"]) == (409, "no_delivery")
    assert Order.objects.get(pk=shop.created.pk).order_status == "invoiced"


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_order_cannot_both_pass(writer, shop):
    """Four approvals race on a created order: exactly one wins, the others get 409."""
    order_id = shop.created.pk
    racers = 4
    barrier = threading.Barrier(racers)
    answers = []

    def approve():
        barrier.wait()
        try:
            answers.append(step(writer, order_id, "approve").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409, 409, 409]
    assert Order.objects.get(pk=order_id).order_status == "approved"


def test_reviewing_a_delivered_order(shop, writer):
    before = timezone.now()
    response = writer.post(
        f"/api/orders/{shop.delivered.pk}/reviews/",
        {"review_score": 5, "review_comment_title": "ótimo", "review_comment_message": "chegou"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    review = Review.objects.get(pk=body["id"])
    assert (review.order_id, review.review_score, review.review_comment_title) == (
        shop.delivered.pk,
        5,
        "ótimo",
    )
    assert len(review.review_id) == 32
    assert before <= review.review_answer_timestamp <= timezone.now()
    # Olist's creation date is the midnight (São Paulo) of the day the review was asked for.
    local_creation = timezone.localtime(review.review_creation_date)
    assert local_creation.time() == time.min
    assert local_creation.date() == timezone.localdate(review.review_answer_timestamp)
    assert body["review_score"] == 5
    assert datetime.fromisoformat(body["review_creation_date"]) == review.review_creation_date
    reviews = writer.get(f"/api/orders/{shop.delivered.pk}/").json()["reviews"]
    assert len(reviews) == 2


def test_a_review_without_comments(shop, writer):
    response = writer.post(
        f"/api/orders/{shop.delivered.pk}/reviews/", {"review_score": 1}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["review_comment_title"] is None
    assert response.json()["review_comment_message"] is None


@pytest.mark.parametrize("status", [s for s in Order.Status.values if s != "delivered"])
def test_only_delivered_orders_can_be_reviewed(shop, writer, status):
    Order.objects.filter(pk=shop.created.pk).update(order_status=status)
    before = row_counts()
    response = writer.post(
        f"/api/orders/{shop.created.pk}/reviews/", {"review_score": 5}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == status
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"review_score": 0}, "review_score"),
        ({"review_score": 6}, "review_score"),
        ({"review_score": "great"}, "review_score"),
        ({}, "review_score"),
        ({"review_score": 3, "review_comment_title": "x" * 201}, "review_comment_title"),
    ],
)
def test_invalid_reviews_are_400(shop, writer, body, field):
    before = row_counts()
    response = writer.post(f"/api/orders/{shop.delivered.pk}/reviews/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert row_counts() == before


def test_reviewing_an_unknown_order_is_404(shop, writer):
    response = writer.post(
        f"/api/orders/{hex_id('999')}/reviews/", {"review_score": 5}, format="json"
    )
    assert response.status_code == 404
