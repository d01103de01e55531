"""A shop with enough history for every dashboard card to have something to draw.

``shop()`` makes about 20 months of orders (January 2017 to August 2018, growing), across a
dozen states, eight product categories and fifteen sellers, with deliveries (some late),
reviews and payments, and a share of returning customers. A seeded generator makes the same rows
on every run, so the screenshots and the numbers the tests compare stay stable.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

INGEST_DATE = "2018-10-18"
FIRST_DAY = dt.date(2017, 1, 2)
LAST_DAY = dt.date(2018, 8, 29)
ORDERS = 480

# state -> (zip code prefix, city, latitude, longitude, weight among customers)
PLACES = {
    "SP": ("01310", "sao paulo", -23.55, -46.63, 40),
    "RJ": ("20040", "rio de janeiro", -22.90, -43.17, 13),
    "MG": ("30110", "belo horizonte", -19.92, -43.94, 12),
    "RS": ("90010", "porto alegre", -30.03, -51.23, 6),
    "PR": ("80010", "curitiba", -25.43, -49.27, 5),
    "SC": ("88010", "florianopolis", -27.59, -48.55, 4),
    "BA": ("40010", "salvador", -12.97, -38.50, 4),
    "DF": ("70040", "brasilia", -15.79, -47.88, 2),
    "GO": ("74003", "goiania", -16.68, -49.25, 2),
    "ES": ("29010", "vitoria", -20.32, -40.34, 2),
    "PE": ("50010", "recife", -8.05, -34.88, 2),
    "CE": ("60025", "fortaleza", -3.73, -38.52, 1),
}
CATEGORIES = {
    "cama_mesa_banho": ("bed_bath_table", 80),
    "beleza_saude": ("health_beauty", 120),
    "esporte_lazer": ("sports_leisure", 110),
    "moveis_decoracao": ("furniture_decor", 150),
    "informatica_acessorios": ("computers_accessories", 200),
    "utilidades_domesticas": ("housewares", 70),
    "relogios_presentes": ("watches_gifts", 180),
    "telefonia": ("telephony", 90),
}
SELLER_STATES = ["SP"] * 8 + ["PR", "PR", "MG", "MG", "RJ", "SC", "RS"]
PAYMENT_TYPES = ["credit_card"] * 7 + ["boleto"] * 2 + ["voucher"]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def shop(seed: int = 2018) -> dict[str, list[dict]]:
    """The processed tables' rows, by table name (``WarehouseBuilder.run``'s input)."""
    rng = random.Random(seed)
    tables: dict[str, list[dict]] = {
        "geolocation": [
            {
                "geolocation_zip_code_prefix": zip_code,
                "geolocation_lat": lat,
                "geolocation_lng": lng,
                "geolocation_city": city,
                "geolocation_state": state,
                "points": 3,
            }
            for state, (zip_code, city, lat, lng, _) in PLACES.items()
        ],
        "product_categories": [
            {"product_category_name": name, "product_category_name_english": english}
            for name, (english, _) in CATEGORIES.items()
        ],
        "products": [
            {"product_id": f"{name[:6]}-{number}", "product_category_name": name}
            for name in CATEGORIES
            for number in range(3)
        ],
        "sellers": [
            {
                "seller_id": f"seller{number:02d}",
                "seller_zip_code_prefix": PLACES[state][0],
                "seller_city": PLACES[state][1],
                "seller_state": state,
            }
            for number, state in enumerate(SELLER_STATES)
        ],
        "customers": [],
        "orders": [],
        "order_items": [],
        "payments": [],
        "deliveries": [],
        "reviews": [],
    }
    products = [(row["product_id"], row["product_category_name"]) for row in tables["products"]]
    states = list(PLACES)
    state_weights = [place[4] for place in PLACES.values()]
    people: list[tuple[str, str]] = []  # (customer_unique_id, state)
    span = (LAST_DAY - FIRST_DAY).days
    # Later days are likelier: the shop grows over the period.
    days = sorted(
        FIRST_DAY + dt.timedelta(days=int(span * rng.random() ** 0.6)) for _ in range(ORDERS)
    )
    for number, day in enumerate(days, start=1):
        order_id, customer_id = f"order{number:04d}", f"customer{number:04d}"
        if people and rng.random() < 0.12:
            person, state = rng.choice(people)
        else:
            person = f"person{len(people) + 1:04d}"
            state = rng.choices(states, state_weights)[0]
            people.append((person, state))
        zip_code, city, *_ = PLACES[state]
        tables["customers"].append(
            {
                "customer_id": customer_id,
                "customer_unique_id": person,
                "customer_zip_code_prefix": zip_code,
                "customer_city": city,
                "customer_state": state,
            }
        )
        status = rng.choices(["delivered", "shipped", "canceled"], [92, 5, 3])[0]
        purchased = _at(day, rng.randrange(11, 23))
        items = []
        for item_id in range(1, rng.choices([1, 2, 3], [80, 15, 5])[0] + 1):
            product_id, category = rng.choice(products)
            price = Decimal(CATEGORIES[category][1] * rng.uniform(0.4, 1.8)).quantize(
                Decimal("0.01")
            )
            freight = Decimal(rng.uniform(8, 35)).quantize(Decimal("0.01"))
            items.append(
                {
                    "id": len(tables["order_items"]) + len(items) + 1,
                    "order_id": order_id,
                    "order_item_id": item_id,
                    "product_id": product_id,
                    "seller_id": f"seller{rng.randrange(len(SELLER_STATES)):02d}",
                    "price": price,
                    "freight_value": freight,
                    "item_revenue": price + freight,
                }
            )
        tables["order_items"].extend(items)
        revenue = sum(item["item_revenue"] for item in items)
        tables["orders"].append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "order_status": status,
                "order_purchase_timestamp": purchased,
                "order_approved_at": purchased + dt.timedelta(hours=2),
                "items_count": len(items),
                "items_price": sum(item["price"] for item in items),
                "items_freight": sum(item["freight_value"] for item in items),
                "items_revenue": revenue,
                "payments_total": revenue,
            }
        )
        tables["payments"].append(
            {
                "id": number,
                "order_id": order_id,
                "payment_sequential": 1,
                "payment_type": rng.choice(PAYMENT_TYPES),
                "payment_installments": rng.choice([1, 1, 2, 3, 6]),
                "payment_value": revenue,
            }
        )
        if status != "delivered":
            continue
        # Farther states wait longer; about one delivery in eight is late.
        delivery_days = max(2, int(rng.gauss(8 + 2 * states.index(state) ** 0.5, 4)))
        estimated = day + dt.timedelta(days=delivery_days + rng.randrange(-6, 12))
        delivered = _at(day + dt.timedelta(days=delivery_days), 16)
        delay_days = (delivered.date() - estimated).days
        tables["deliveries"].append(
            {
                "order_id": order_id,
                "order_delivered_carrier_date": purchased + dt.timedelta(days=2),
                "order_delivered_customer_date": delivered,
                "order_estimated_delivery_date": estimated,
                "delivery_days": delivery_days,
                "delay_days": delay_days,
                "is_on_time": delay_days <= 0,
            }
        )
        score = rng.choice([1, 2, 3]) if delay_days > 0 else rng.choice([3, 4, 5, 5, 5])
        tables["reviews"].append(
            {
                "id": number,
                "review_id": f"review{number:04d}",
                "order_id": order_id,
                "review_score": score,
                "review_creation_date": delivered + dt.timedelta(days=1),
                "review_answer_timestamp": delivered + dt.timedelta(days=2),
            }
        )
    return tables
