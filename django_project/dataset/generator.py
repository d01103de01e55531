"""A deterministic synthetic copy of the Kaggle "Brazilian E-Commerce Public Dataset by Olist".

The real release cannot ship with the repository, yet the loader, the cleaning jobs, the
warehouse and the benchmarks all need its nine files with the same format, size, statistics and
flaws. This module writes them:

* sizes: SCALE=1 gives the release's row counts, and every count scales linearly, so SCALE=0.01
  is a fast test-sized copy with the same proportions;
* marginals: the published figures (order statuses, customers and sellers by state, monthly
  volume with the Black Friday 2017 spike, delivery times and lateness, payment types and
  installments, review scores tied to lateness) are built in, mostly as exact quotas that are
  then shuffled, so small runs keep the proportions too;
* consistency: every reference resolves, timestamps follow each order's status, and an order's
  payments add up to its items' price plus freight to the cent (money is kept in integer cents);
* the release's flaws, which the loader and the cleaning jobs must handle: exact duplicate and
  out-of-Brazil geolocation rows, city names with and without accents for one zip, customer and
  seller zips missing from geolocation, products without a category, two categories with no
  English translation, review ids shared by two orders, orders reviewed twice, zero-value
  ``not_defined`` payments and credit card payments with 0 installments.

Same (scale, seed) gives byte-identical files: every stage draws from its own numpy generator
seeded by (seed, stage name), and nothing depends on the clock or on hash order. Text columns
are kept as codes into vocabularies, so each distinct value (an id, a city, a zip) is formatted
once however many rows repeat it.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from core.domain import ORDER_STATUSES, PAYMENT_TYPES
from tqdm import tqdm

from dataset import olist_format as fmt
from dataset.categories import (
    CATEGORIES,
    TRANSLATED,
    UNCATEGORISED_PRICE_MEDIAN,
    UNCATEGORISED_PRICE_SIGMA,
    UNCATEGORISED_WEIGHT_MEDIAN_G,
)
from dataset.geography import STATE_CODES, STATES

# --- The release's figures (row counts at SCALE=1 and published shares) ---------------------------

ORDERS = 99_441
PERSONS = 96_096  # distinct customer_unique_id: about 3% of people order more than once
ORDER_ITEMS = 112_650
PRODUCTS = 32_951
UNCATEGORISED_PRODUCTS = 610
ZERO_WEIGHT_PRODUCTS = 4
SELLERS = 3_095
GEOLOCATION_ROWS = 1_000_163
GEOLOCATION_DUPLICATES = 261_831
GEOLOCATION_PREFIXES = 19_015
GEOLOCATION_OUTSIDE_BRAZIL = 30
REVIEWS = 99_224
SECOND_REVIEWS = 551  # rows beyond the first for orders reviewed twice
SHARED_REVIEW_IDS = 814  # rows whose review_id another order's row also has
VOUCHER_PAYMENTS = 5_775
CARD_ORDERS_WITH_VOUCHERS = 1_900
NOT_DEFINED_PAYMENTS = 3
ZERO_INSTALLMENT_PAYMENTS = 2
# Share of customers' and sellers' zips that geolocation does not list.
UNLISTED_ZIP_SHARE = 0.003
# Share of geolocation rows that spell their city with accents ("são paulo").
ACCENTED_SPELLING_SHARE = 0.16

STATUS_COUNTS = {
    "delivered": 96_478,
    "shipped": 1_107,
    "canceled": 625,
    "unavailable": 609,
    "invoiced": 314,
    "processing": 301,
    "created": 5,
    "approved": 2,
}
# Orders by purchase month: a 2016 trial, growth through 2017, Black Friday, a 2018 plateau,
# and a few last (canceled) orders before the extract was taken.
MONTHLY_ORDERS = {
    (2016, 9): 4, (2016, 10): 324, (2016, 12): 1,
    (2017, 1): 800, (2017, 2): 1_780, (2017, 3): 2_682, (2017, 4): 2_404, (2017, 5): 3_700,
    (2017, 6): 3_245, (2017, 7): 4_026, (2017, 8): 4_331, (2017, 9): 4_285, (2017, 10): 4_631,
    (2017, 11): 7_544, (2017, 12): 5_673,
    (2018, 1): 7_269, (2018, 2): 6_728, (2018, 3): 7_211, (2018, 4): 6_939, (2018, 5): 6_873,
    (2018, 6): 6_167, (2018, 7): 6_292, (2018, 8): 6_512, (2018, 9): 16, (2018, 10): 4,
}  # fmt: skip
FIRST_DAY = np.datetime64("2016-09-04")
LAST_DAY = np.datetime64("2018-10-17")  # nothing happens after the extract was taken
ONLY_CANCELED_FROM = np.datetime64("2018-09-01")
# Monday..Sunday: people shop less at weekends.
WEEKDAY_WEIGHTS = (1.14, 1.13, 1.09, 1.04, 0.99, 0.76, 0.84)
# Black Friday 2017 (the 24th) and the days around it, on top of the weekday weights.
SPECIAL_DAY_WEIGHTS = {
    np.datetime64("2017-11-23"): 1.3,
    np.datetime64("2017-11-24"): 5.5,
    np.datetime64("2017-11-25"): 2.2,
    np.datetime64("2017-11-26"): 1.8,
    np.datetime64("2017-11-27"): 1.7,
}
# Purchases by hour of day (percent): quiet nights, busy from mid-morning to late evening.
HOUR_WEIGHTS = (
    2.5, 1.2, 0.5, 0.3, 0.2, 0.2, 0.5, 1.2, 3.0, 4.8, 6.2, 6.6,
    6.0, 6.5, 6.7, 6.4, 6.7, 6.2, 5.9, 6.0, 6.2, 6.2, 5.8, 4.3,
)  # fmt: skip
# Canceled orders: some before payment was approved, a few after the parcel left.
CANCELED_UNAPPROVED_SHARE = 0.22
CANCELED_AFTER_SHIPPING_SHARE = 0.12
# Carriers were swamped after Black Friday and again in early 2018 (more late deliveries).
CONGESTED_MONTHS = {(2017, 11): 1.3, (2017, 12): 1.2, (2018, 2): 1.3, (2018, 3): 1.4}

# Delivery: the seller hands over to the carrier after a gamma-distributed number of days; the
# carrier takes a lognormal time whose median and spread grow with the distance; a few parcels
# suffer a mishap (lost, strike, wrong address). The promise is a multiple of the usual time
# plus a margin, wide enough that about 8% of deliveries are late (more in far states).
USUAL_APPROVAL_DAYS = 0.5
HANDLING_SHAPE = 1.6
HANDLING_SCALE_DAYS = 1.8
TRANSIT_BASE_DAYS = 2.6
TRANSIT_KM_PER_DAY = 230.0
TRANSIT_SIGMA = 0.45
TRANSIT_SIGMA_PER_KM = 0.00015
MISHAP_SHARE = 0.085
MISHAP_SHARE_PER_KM = 0.00006
MISHAP_MEAN_DAYS = 17.0
PROMISE_FACTOR = 1.6
PROMISE_MARGIN_DAYS = 6.0

# Orders with more than 2 items (the rest have 1 or 2; 2 fills up to ORDER_ITEMS).
ORDERS_WITH_MANY_ITEMS = {
    3: 1_322, 4: 505, 5: 204, 6: 198, 7: 22, 8: 8, 9: 3, 10: 8, 11: 4, 12: 5, 13: 1, 14: 2,
    15: 2, 20: 2, 21: 1,
}  # fmt: skip
# Photos per product (percent of products).
PHOTOS = {
    1: 50.3, 2: 19.6, 3: 10.9, 4: 7.6, 5: 5.9, 6: 3.8, 7: 1.1, 8: 0.5, 9: 0.1, 10: 0.15,
    11: 0.01, 12: 0.01, 13: 0.01, 15: 0.01, 17: 0.01, 18: 0.01, 19: 0.01, 20: 0.01,
}  # fmt: skip
# Of the later items of an order, the share that repeat its first product (a quantity > 1).
REPEATED_ITEM_SHARE = 0.55
# Product popularity: a capped lognormal tail, plus bestsellers (at SCALE=1) that each take
# about half a percent of sales.
POPULARITY_SIGMA = 1.3
BESTSELLERS = 10
BESTSELLER_SHARE = 0.005
BESTSELLER_MAX_PRICE = 150.0
# People with several orders (the rest have one; 2 fills up to ORDERS - PERSONS).
PERSONS_WITH_MANY_ORDERS = {3: 203, 4: 30, 5: 8, 6: 6, 7: 3, 9: 1, 17: 1}

# Orders by their main means of payment; "voucher" orders pay with vouchers only.
ORDERS_BY_PAYMENT = {"credit_card": 76_795, "boleto": 19_784, "debit_card": 1_529, "voucher": 1_333}
CARD_INSTALLMENTS = {
    1: 25_455, 2: 12_413, 3: 10_461, 4: 7_098, 5: 5_239, 6: 3_920, 7: 1_626, 8: 4_268, 9: 644,
    10: 5_328, 11: 23, 12: 133, 13: 16, 14: 15, 15: 74, 16: 5, 17: 8, 18: 27, 20: 17, 21: 3,
    22: 1, 23: 1, 24: 18,
}  # fmt: skip

# Review score probabilities (1..5) by what happened to the order.
SCORES_ON_TIME = (0.058, 0.027, 0.082, 0.206, 0.627)
SCORES_LATE = (0.50, 0.075, 0.10, 0.10, 0.225)
SCORES_UNDELIVERED = (0.74, 0.06, 0.07, 0.05, 0.08)
# Probabilities that the review is created 1, 2, ... days after the delivery (or promise).
DAYS_TO_REVIEW = (0.8, 0.08, 0.04, 0.03, 0.02, 0.02, 0.01)
TITLE_SHARE = 0.12
MESSAGE_SHARE_BY_SCORE = (0.75, 0.65, 0.46, 0.31, 0.36)

POSITIVE_TITLES = (
    "Recomendo", "Super recomendo", "Ótimo", "Muito bom", "Excelente", "Bom produto",
    "Adorei", "Entrega rápida", "Nota 10", "Perfeito",
)  # fmt: skip
NEUTRAL_TITLES = ("Razoável", "Poderia ser melhor", "Regular", "Mais ou menos")
NEGATIVE_TITLES = (
    "Não recebi", "Péssimo", "Produto com defeito", "Atrasou", "Decepcionado", "Não recomendo",
)  # fmt: skip
POSITIVE_MESSAGES = (
    "Recebi bem antes do prazo estipulado.",
    "Produto de ótima qualidade, recomendo.",
    "Chegou rápido e bem embalado.",
    "Tudo certo, entrega dentro do prazo.",
    "Gostei muito, exatamente como no anúncio.",
    "Excelente produto, vendedor confiável.",
    "Muito bom, superou minhas expectativas.",
    "Entrega rápida, produto perfeito, recomendo a loja.",
    "Comprei para presentear e a pessoa adorou.",
    "Ótimo custo-benefício",
    "Produto conforme descrito, chegou antes do previsto.",
    "Loja nota 10!",
    "Bem embalado e sem nenhum problema.",
    "Já é a segunda vez que compro e sempre fico satisfeito.",
)
NEUTRAL_MESSAGES = (
    "Produto bom, mas a entrega demorou um pouco.",
    "Chegou certinho, porém a embalagem estava amassada.",
    "Razoável, esperava um pouco mais pela qualidade.",
    "O produto é bom mas a cor é diferente da foto.",
    "Atendeu, mas o acabamento deixa a desejar.",
    "Entregue no prazo, veio sem manual.",
)
NEGATIVE_MESSAGES = (
    "Produto chegou com defeito",
    "Não recebi o produto até agora.",
    "Comprei dois itens e só recebi um.",
    "Muito demorado, ainda aguardando a entrega.",
    "Produto diferente do anunciado, quero devolver.",
    "Péssimo atendimento, ninguém responde.",
    "Veio quebrado, estou aguardando a troca.",
    "A entrega atrasou mais de uma semana e ninguém deu satisfação.",
    "Qualidade muito ruim, não recomendo",
)
# How a second sentence joins the first: most reviews are one line, some are several.
MESSAGE_SEPARATORS = (" ", "\r\n", "\n")

# Freight (R$) = (base + per km + per billable kg) x noise; a few items ship free.
FREIGHT_BASE = 8.0
FREIGHT_PER_KM = 0.0095
FREIGHT_PER_KG = 2.0
FREE_FREIGHT_SHARE = 0.0035
# Correios bills the larger of the real weight and the cubic weight (cm3 / 6000 in kg).
CUBIC_CM_PER_BILLED_KG = 6000.0

DAY = 86_400
HOUR = 3_600
MISSING = np.iinfo(np.int64).min  # an empty int or timestamp cell
CHUNK_ROWS = 100_000

ZIP_PREFIXES: tuple[str, ...] = tuple(f"{prefix:05d}" for prefix in range(100_000))
CITIES = tuple(city for state in STATES for city in state.cities)
CITY_STATE = np.array([i for i, state in enumerate(STATES) for _ in state.cities])
# A city's spellings: code 2c is as customers and sellers write it, 2c+1 with its accents.
CITY_SPELLINGS: tuple[str, ...] = tuple(
    spelling for city in CITIES for spelling in (city.name, city.accented)
)


# --- Columns and tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coded:
    """A text column as codes into a vocabulary (-1 is empty): each value is formatted once."""

    codes: np.ndarray
    vocabulary: Sequence[str]


# Column values by name, in file order: Coded or an object array (None for empty) for text;
# int64 arrays for ints, cents and epoch seconds (MISSING for empty); float64 for coordinates.
Table = dict[str, Coded | np.ndarray]


def _row_count(table: Table) -> int:
    first = next(iter(table.values()))
    return len(first.codes if isinstance(first, Coded) else first)


# --- Sizes ----------------------------------------------------------------------------------------


def _scaled(count: int, scale: float, minimum: int = 0) -> int:
    return max(minimum, round(count * scale))


@dataclass(frozen=True)
class Sizes:
    """How many of everything a run makes: the release's counts times the scale."""

    scale: float
    orders: int
    persons: int
    order_items: int
    products: int
    uncategorised_products: int
    zero_weight_products: int
    sellers: int
    geolocation_rows: int
    geolocation_duplicates: int
    geolocation_prefixes: int
    geolocation_outside_brazil: int
    reviews: int
    second_reviews: int
    shared_review_ids: int
    voucher_payments: int
    card_orders_with_vouchers: int
    not_defined_payments: int
    zero_installment_payments: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        if not scale > 0:
            raise ValueError(f"scale must be positive, not {scale}")
        orders = _scaled(ORDERS, scale, 1)
        prefixes = _scaled(GEOLOCATION_PREFIXES, scale, len(STATES))
        geolocation_rows = _scaled(GEOLOCATION_ROWS, scale, 2 * prefixes)
        duplicates = min(geolocation_rows - prefixes, _scaled(GEOLOCATION_DUPLICATES, scale))
        return cls(
            scale=scale,
            orders=orders,
            persons=min(orders, _scaled(PERSONS, scale, 1)),
            order_items=max(orders, _scaled(ORDER_ITEMS, scale)),
            products=_scaled(PRODUCTS, scale, 1),
            uncategorised_products=_scaled(UNCATEGORISED_PRODUCTS, scale),
            zero_weight_products=_scaled(ZERO_WEIGHT_PRODUCTS, scale),
            sellers=_scaled(SELLERS, scale, 1),
            geolocation_rows=geolocation_rows,
            geolocation_duplicates=duplicates,
            geolocation_prefixes=prefixes,
            geolocation_outside_brazil=_scaled(GEOLOCATION_OUTSIDE_BRAZIL, scale, 1),
            reviews=min(orders, _scaled(REVIEWS, scale, 1)),
            second_reviews=_scaled(SECOND_REVIEWS, scale),
            shared_review_ids=_scaled(SHARED_REVIEW_IDS, scale),
            voucher_payments=_scaled(VOUCHER_PAYMENTS, scale),
            card_orders_with_vouchers=_scaled(CARD_ORDERS_WITH_VOUCHERS, scale),
            not_defined_payments=_scaled(NOT_DEFINED_PAYMENTS, scale),
            zero_installment_payments=_scaled(ZERO_INSTALLMENT_PAYMENTS, scale),
        )


# --- Small tools ----------------------------------------------------------------------------------


def _stage_rng(seed: int, stage: str) -> np.random.Generator:
    """One generator per stage, so editing a stage never changes what the others draw."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def _normalised(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def _quota(total: int, weights: Sequence[float] | np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder).

    Exact quotas instead of random draws keep small runs on the published proportions; with
    ``minimum``, every positive weight gets at least that many when the total allows it.
    """
    weights = np.asarray(weights, dtype=float)
    base = np.where((weights > 0) & (total >= minimum * np.count_nonzero(weights)), minimum, 0)
    rest = total - int(base.sum())
    exact = _normalised(weights) * rest
    counts = np.floor(exact).astype(np.int64)
    shortfall = rest - int(counts.sum())
    counts[np.argsort(counts - exact, kind="stable")[:shortfall]] += 1
    return base + counts


def _shuffled_labels(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Label i repeated counts[i] times, in random order."""
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def _hex_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Olist-style ids: 32 lowercase hex characters, drawn from the stage's generator."""
    text = rng.bytes(16 * count).hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


def _haversine_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    lat1, lng1, lat2, lng2 = (np.radians(a) for a in (lat1, lng1, lat2, lng2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def _day_start(seconds: np.ndarray) -> np.ndarray:
    return seconds // DAY * DAY


def _epoch_seconds(day: np.datetime64) -> int:
    return int(day.astype("datetime64[s]").astype(np.int64))


def _rank_within_order(
    rng: np.random.Generator, order: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Each row's 1-based position among its order's rows: smaller ``first`` first, then random."""
    position = np.lexsort((rng.random(len(order)), first, order))
    sorted_order = order[position]
    rank = np.empty(len(order), dtype=np.int64)
    rank[position] = np.arange(len(order)) - np.searchsorted(sorted_order, sorted_order) + 1
    return rank


def _group_sizes(
    rng: np.random.Generator,
    n_groups: int,
    members: int,
    large_at_scale_1: dict[int, int],
    scale: float,
) -> np.ndarray:
    """Sizes of ``n_groups`` groups with ``members`` in all, in random order.

    Groups of 3 or more follow the release's counts (scaled), groups of 2 take up what is
    left, and the rest have 1 member: items per order, orders per person.
    """
    remaining = members - n_groups
    sizes = np.ones(n_groups, dtype=np.int64)
    next_group = 0
    for size in sorted(large_at_scale_1, reverse=True):
        count = min(round(large_at_scale_1[size] * scale), remaining // (size - 1))
        sizes[next_group : next_group + count] = size
        next_group += count
        remaining -= count * (size - 1)
    sizes[next_group : next_group + remaining] = 2
    return rng.permutation(sizes)


# --- Places: zip prefixes, cities and the geolocation file ----------------------------------------

ZIP_STATE = np.full(100_000, -1, dtype=np.int64)  # which state a zip prefix belongs to
for _state_index, _state in enumerate(STATES):
    for _first, _last in _state.zip_ranges:
        ZIP_STATE[_first : _last + 1] = _state_index


@dataclass(frozen=True)
class Places:
    """The zip prefixes in use: where each is, its city, and how many people live there."""

    prefix: np.ndarray
    state: np.ndarray
    city: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    weight: np.ndarray


def _build_places(rng: np.random.Generator, count: int) -> Places:
    """Pick prefixes inside each state's CEP ranges and give consecutive blocks to its cities.

    States get prefixes in proportion to their customers to the power 0.75 (small states have
    relatively more zip codes per customer); prefix weights then bring the number of people per
    state back to the published customer shares.
    """
    customer_share = np.array([state.customer_share for state in STATES])
    per_state = _quota(count, customer_share**0.75, minimum=1)
    per_state = np.minimum(per_state, [state.zip_prefix_count for state in STATES])
    prefixes, cities = [], []
    first_city = 0
    for state, k in zip(STATES, per_state, strict=True):
        candidates = np.concatenate([np.arange(a, b + 1) for a, b in state.zip_ranges])
        prefixes.append(np.sort(rng.choice(candidates, size=k, replace=False)))
        city_counts = _quota(k, [city.weight for city in state.cities], minimum=1)
        cities.append(first_city + np.repeat(np.arange(len(state.cities)), city_counts))
        first_city += len(state.cities)
    prefix = np.concatenate(prefixes)
    city = np.concatenate(cities)
    state = CITY_STATE[city]
    return Places(
        prefix=prefix,
        state=state,
        city=city,
        lat=np.array([c.lat for c in CITIES])[city] + rng.normal(0.0, 0.04, len(prefix)),
        lng=np.array([c.lng for c in CITIES])[city] + rng.normal(0.0, 0.04, len(prefix)),
        weight=rng.lognormal(0.0, 1.1, len(prefix)) * (customer_share / per_state)[state],
    )


def _geolocation_table(rng: np.random.Generator, places: Places, sizes: Sizes) -> Table:
    """Points around each prefix's centre, as many as its weight says, then the flaws.

    Flaws: some rows spell the city with accents, a few points were geocoded abroad, and
    about a quarter of the rows are exact copies of others. Rows come grouped by prefix.
    """
    distinct = sizes.geolocation_rows - sizes.geolocation_duplicates
    n_places = len(places.prefix)
    per_place = 1 + rng.multinomial(distinct - n_places, _normalised(places.weight))
    place = np.repeat(np.arange(n_places), per_place)
    lat = places.lat[place] + rng.normal(0.0, 0.015, distinct)
    lng = places.lng[place] + rng.normal(0.0, 0.015, distinct)
    city = places.city[place]
    has_accents = np.array([c.accented != c.name for c in CITIES])
    spelling = 2 * city + (has_accents[city] & (rng.random(distinct) < ACCENTED_SPELLING_SHARE))
    # Homonymous places in Portugal, where some addresses were wrongly geocoded.
    abroad = rng.choice(distinct, size=sizes.geolocation_outside_brazil, replace=False)
    lat[abroad] = rng.uniform(37.0, 42.0, len(abroad))
    lng[abroad] = rng.uniform(-9.3, -7.0, len(abroad))

    copied = rng.integers(0, distinct, sizes.geolocation_duplicates)
    point = np.concatenate([np.arange(distinct), copied])
    point = point[np.lexsort((rng.random(len(point)), places.prefix[place[point]]))]
    return {
        "geolocation_zip_code_prefix": Coded(places.prefix[place[point]], ZIP_PREFIXES),
        "geolocation_lat": lat[point],
        "geolocation_lng": lng[point],
        "geolocation_city": Coded(spelling[point], CITY_SPELLINGS),
        "geolocation_state": Coded(places.state[place[point]], STATE_CODES),
    }


def _pick_places(rng: np.random.Generator, places: Places, state: np.ndarray) -> np.ndarray:
    """A place for each person (or seller) in the given states, busier places more often."""
    picked = np.empty(len(state), dtype=np.int64)
    for s in np.unique(state):
        who = np.flatnonzero(state == s)
        candidates = np.flatnonzero(places.state == s)
        picked[who] = rng.choice(
            candidates, size=len(who), p=_normalised(places.weight[candidates])
        )
    return picked


def _zips_of(rng: np.random.Generator, places: Places, place: np.ndarray) -> np.ndarray:
    """The places' zip prefixes, a few moved to a neighbouring prefix geolocation lacks."""
    zips = places.prefix[place].copy()
    moved = np.clip(zips + rng.choice([-3, -2, -1, 1, 2, 3], len(zips)), 0, 99_999)
    unlisted = (
        (rng.random(len(zips)) < UNLISTED_ZIP_SHARE)
        & ~np.isin(moved, places.prefix)
        & (ZIP_STATE[moved] == places.state[place])
    )
    zips[unlisted] = moved[unlisted]
    return zips


# --- Sellers, products and customers --------------------------------------------------------------


@dataclass(frozen=True)
class Sellers:
    ids: list[str]
    place: np.ndarray


def _build_sellers(rng: np.random.Generator, places: Places, count: int) -> tuple[Sellers, Table]:
    """Sellers by the published state shares (mostly São Paulo), in busy zips."""
    state = _shuffled_labels(rng, _quota(count, [s.seller_share for s in STATES]))
    place = _pick_places(rng, places, state)
    ids = _hex_ids(rng, count)
    table = {
        "seller_id": Coded(np.arange(count), ids),
        "seller_zip_code_prefix": Coded(_zips_of(rng, places, place), ZIP_PREFIXES),
        "seller_city": Coded(2 * places.city[place], CITY_SPELLINGS),
        "seller_state": Coded(state, STATE_CODES),
    }
    return Sellers(ids=ids, place=place), table


@dataclass(frozen=True)
class Products:
    ids: list[str]
    seller: np.ndarray
    price_cents: np.ndarray
    billed_kg: np.ndarray
    popularity: np.ndarray


def _product_categories(rng: np.random.Generator, sizes: Sizes) -> np.ndarray:
    """Each product's category (-1 for none), every category used when there are enough."""
    uncategorised = min(sizes.products, sizes.uncategorised_products)
    per_category = _quota(
        sizes.products - uncategorised, [c.product_share for c in CATEGORIES], minimum=1
    )
    labels = np.repeat(np.arange(len(CATEGORIES)), per_category)
    return rng.permutation(np.concatenate([labels, np.full(uncategorised, -1)]))


def _build_products(
    rng: np.random.Generator, sizes: Sizes, n_sellers: int
) -> tuple[Products, Table]:
    """Products whose price, weight and size follow their category.

    A few popular products sell hundreds of times while most sell once or twice; each seller
    has at least one product, and a few big sellers have hundreds.
    """
    count = sizes.products
    category = _product_categories(rng, sizes)
    has_category = category >= 0

    def by_category(values: list[float], uncategorised_value: float) -> np.ndarray:
        return np.where(has_category, np.array(values)[category], uncategorised_value)

    price_median = by_category([c.price_median for c in CATEGORIES], UNCATEGORISED_PRICE_MEDIAN)
    price_sigma = by_category([c.price_sigma for c in CATEGORIES], UNCATEGORISED_PRICE_SIGMA)
    price = np.clip(price_median * np.exp(price_sigma * rng.standard_normal(count)), 0.85, 6735)
    weight_median = by_category(
        [c.weight_median_g for c in CATEGORIES], UNCATEGORISED_WEIGHT_MEDIAN_G
    )
    weight = np.clip(weight_median * rng.lognormal(0.0, 0.9, count), 50, 40_425)
    typed_round = rng.random(count) < 0.5  # sellers often type round weights
    weight[typed_round] = np.maximum(50, np.round(weight[typed_round] / 50) * 50)
    weight = np.round(weight).astype(np.int64)
    weight[rng.choice(count, size=min(count, sizes.zero_weight_products), replace=False)] = 0

    volume = np.maximum(weight, 100) * rng.lognormal(np.log(6.0), 0.6, count)
    side = np.cbrt(volume)
    length = np.clip(np.round(side * rng.lognormal(0.25, 0.3, count)), 7, 105)
    width = np.clip(np.round(side * rng.lognormal(0.05, 0.3, count)), 6, 118)
    height = np.clip(np.round(volume / (length * width)), 2, 105)
    billed_kg = np.maximum(weight / 1000, length * width * height / CUBIC_CM_PER_BILLED_KG)

    seller_size = _normalised(rng.lognormal(0.0, 1.6, n_sellers))
    seller = rng.permutation(
        np.concatenate(
            [
                rng.permutation(n_sellers)[:count],
                rng.choice(n_sellers, size=max(0, count - n_sellers), p=seller_size),
            ]
        )
    )

    def when_categorised(values: np.ndarray) -> np.ndarray:
        """The release leaves name, description and photos empty for uncategorised products."""
        return np.where(has_category, np.round(values).astype(np.int64), MISSING)

    ids = _hex_ids(rng, count)
    table = {
        "product_id": Coded(np.arange(count), ids),
        "product_category_name": Coded(category, [c.name for c in CATEGORIES]),
        "product_name_lenght": when_categorised(np.clip(rng.normal(48.5, 10.0, count), 5, 76)),
        "product_description_lenght": when_categorised(
            np.clip(rng.lognormal(np.log(600), 0.75, count), 4, 3992)
        ),
        "product_photos_qty": when_categorised(
            rng.choice(list(PHOTOS), size=count, p=_normalised(list(PHOTOS.values())))
        ),
        "product_weight_g": weight,
        "product_length_cm": length.astype(np.int64),
        "product_height_cm": height.astype(np.int64),
        "product_width_cm": width.astype(np.int64),
    }
    products = Products(
        ids=ids,
        seller=seller,
        price_cents=np.round(price * 100).astype(np.int64),
        billed_kg=billed_kg,
        popularity=_popularity(rng, price, sizes.scale),
    )
    return products, table


def _popularity(rng: np.random.Generator, price: np.ndarray, scale: float) -> np.ndarray:
    """How often each product sells, relatively: a long tail and a few cheap bestsellers.

    The lognormal tail is capped, so no random product (possibly a R$ 5,000 one) swamps a small
    run; the bestsellers, each about half a percent of sales as in the release, are picked
    among affordable products.
    """
    popularity = np.minimum(
        rng.lognormal(0.0, POPULARITY_SIGMA, len(price)), np.exp(2.5 * POPULARITY_SIGMA)
    )
    affordable = np.flatnonzero(price < BESTSELLER_MAX_PRICE)
    count = min(len(affordable), round(BESTSELLERS * scale))
    bestsellers = rng.choice(affordable, size=count, replace=False)
    popularity[bestsellers] = np.maximum(
        popularity[bestsellers], BESTSELLER_SHARE * popularity.sum()
    )
    return popularity


@dataclass(frozen=True)
class Customers:
    """Olist's customer_id is per order: ``ids`` and ``place`` are indexed by order."""

    ids: list[str]
    place: np.ndarray


def _build_customers(
    rng: np.random.Generator, places: Places, sizes: Sizes
) -> tuple[Customers, Table]:
    """People (customer_unique_id) by state, a few with several orders, one row per order."""
    orders_per_person = _group_sizes(
        rng, sizes.persons, sizes.orders, PERSONS_WITH_MANY_ORDERS, sizes.scale
    )
    person = rng.permutation(np.repeat(np.arange(sizes.persons), orders_per_person))
    person_state = _shuffled_labels(rng, _quota(sizes.persons, [s.customer_share for s in STATES]))
    person_place = _pick_places(rng, places, person_state)
    person_zip = _zips_of(rng, places, person_place)
    person_ids = _hex_ids(rng, sizes.persons)
    ids = _hex_ids(rng, sizes.orders)

    order_of_row = rng.permutation(sizes.orders)  # listed in no particular order
    row = person[order_of_row]
    table = {
        "customer_id": Coded(order_of_row, ids),
        "customer_unique_id": Coded(row, person_ids),
        "customer_zip_code_prefix": Coded(person_zip[row], ZIP_PREFIXES),
        "customer_city": Coded(2 * places.city[person_place[row]], CITY_SPELLINGS),
        "customer_state": Coded(person_state[row], STATE_CODES),
    }
    return Customers(ids=ids, place=person_place[person]), table


# --- Orders, their items and timeline -------------------------------------------------------------


@dataclass(frozen=True)
class Items:
    """Order items, rows of one order together, orders in index order."""

    order: np.ndarray
    number: np.ndarray  # order_item_id: 1, 2, ... within the order
    product: np.ndarray
    seller: np.ndarray


def _build_items(rng: np.random.Generator, sizes: Sizes, products: Products) -> Items:
    """Items per order as published (90% single), every product sold at least once.

    A later item of an order often repeats the first product: that is how the release
    records a quantity above one.
    """
    per_order = _group_sizes(
        rng, sizes.orders, sizes.order_items, ORDERS_WITH_MANY_ITEMS, sizes.scale
    )
    order = np.repeat(np.arange(sizes.orders), per_order)
    first = np.repeat(np.cumsum(per_order) - per_order, per_order)
    number = np.arange(len(order)) - first + 1

    repeats_first = (number > 1) & (rng.random(len(order)) < REPEATED_ITEM_SHARE)
    chosen = np.flatnonzero(~repeats_first)
    n_products = len(products.ids)
    every_product = rng.permutation(n_products)[: len(chosen)]
    popular = rng.choice(
        n_products, size=len(chosen) - len(every_product), p=_normalised(products.popularity)
    )
    product = np.empty(len(order), dtype=np.int64)
    product[chosen] = rng.permutation(np.concatenate([every_product, popular]))
    product[repeats_first] = product[first[repeats_first]]
    return Items(order=order, number=number, product=product, seller=products.seller[product])


@dataclass(frozen=True)
class Orders:
    ids: list[str]
    status: np.ndarray  # index into ORDER_STATUSES
    payment: np.ndarray  # main means of payment, index into ORDERS_BY_PAYMENT
    purchase: np.ndarray  # epoch seconds
    approved: np.ndarray  # epoch seconds or MISSING, like the dates below
    carrier: np.ndarray
    delivered: np.ndarray
    estimated: np.ndarray

    def has_status(self, name: str) -> np.ndarray:
        return _has_status(self.status, name)

    @property
    def late(self) -> np.ndarray:
        return (self.delivered != MISSING) & (self.delivered > self.estimated)


def _has_status(status: np.ndarray, name: str) -> np.ndarray:
    return status == ORDER_STATUSES.index(name)


def _purchase_times(rng: np.random.Generator, count: int) -> np.ndarray:
    """Purchase timestamps on the published monthly volumes, by weekday, day and hour."""
    days = np.arange(FIRST_DAY, LAST_DAY + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    day_weight = np.array(WEEKDAY_WEIGHTS)[weekday]
    for day, boost in SPECIAL_DAY_WEIGHTS.items():
        day_weight[days == day] *= boost
    month = days.astype("datetime64[M]")
    per_month = _quota(count, list(MONTHLY_ORDERS.values()))
    picked = []
    for (year, month_number), n in zip(MONTHLY_ORDERS, per_month, strict=True):
        in_month = np.flatnonzero(month == np.datetime64(f"{year}-{month_number:02d}"))
        picked.append(rng.choice(in_month, size=n, p=_normalised(day_weight[in_month])))
    day_index = rng.permutation(np.concatenate(picked))
    hour = rng.choice(24, size=count, p=_normalised(HOUR_WEIGHTS))
    start = _epoch_seconds(FIRST_DAY)
    return start + day_index * DAY + hour * HOUR + rng.integers(0, HOUR, count)


def _statuses(rng: np.random.Generator, purchase: np.ndarray) -> np.ndarray:
    """Statuses by published quota; the last few orders before the extract are all canceled."""
    codes = np.array([ORDER_STATUSES.index(name) for name in STATUS_COUNTS])
    status = codes[_shuffled_labels(rng, _quota(len(purchase), list(STATUS_COUNTS.values())))]
    canceled = ORDER_STATUSES.index("canceled")
    recent = purchase >= _epoch_seconds(ONLY_CANCELED_FROM)
    to_cancel = np.flatnonzero(recent & (status != canceled))
    spare = np.flatnonzero(~recent & (status == canceled))[: len(to_cancel)]
    status[spare] = status[to_cancel[: len(spare)]]
    status[to_cancel[: len(spare)]] = canceled
    return status


def _distance_km(places: Places, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _haversine_km(places.lat[a], places.lng[a], places.lat[b], places.lng[b])


def _build_orders(
    rng: np.random.Generator,
    sizes: Sizes,
    customers: Customers,
    places: Places,
    items: Items,
    sellers: Sellers,
) -> Orders:
    """Each order's lifecycle: approval, hand-over to the carrier, delivery, and the promise.

    Only the events its status implies are recorded (no delivery date unless delivered, no
    carrier date before shipping). Delivery takes longer, and varies more, the farther the
    order's first seller is from the customer, so far states are late more often.
    """
    count = sizes.orders
    purchase = _purchase_times(rng, count)
    status = _statuses(rng, purchase)
    payment = _shuffled_labels(rng, _quota(count, list(ORDERS_BY_PAYMENT.values())))
    last_moment = _epoch_seconds(LAST_DAY + 1) - 1

    # Cards are approved within minutes (some after hours of fraud checks); a boleto only once
    # the customer has paid it at a bank, a day or so later.
    boleto = payment == list(ORDERS_BY_PAYMENT).index("boleto")
    checked = rng.random(count) < 0.3
    card_hours = np.where(
        checked, rng.lognormal(np.log(10.0), 0.9, count), rng.lognormal(np.log(0.2), 0.8, count)
    )
    approval_hours = np.where(boleto, rng.lognormal(np.log(26.0), 0.6, count), card_hours)
    approved = purchase + np.maximum(60, approval_hours * HOUR).astype(np.int64)
    canceled = _has_status(status, "canceled")
    lacks_approval = (
        _has_status(status, "created")
        | (canceled & (rng.random(count) < CANCELED_UNAPPROVED_SHARE))
        | (approved > last_moment)
    )
    handling_days = rng.gamma(HANDLING_SHAPE, HANDLING_SCALE_DAYS, count)
    carrier = approved + np.maximum(2 * HOUR, handling_days * DAY).astype(np.int64)
    reaches_carrier = (
        _has_status(status, "delivered")
        | _has_status(status, "shipped")
        | (canceled & ~lacks_approval & (rng.random(count) < CANCELED_AFTER_SHIPPING_SHARE))
    ) & (carrier <= last_moment)

    distance = _distance_km(places, sellers.place[items.seller[items.number == 1]], customers.place)
    transit_median = TRANSIT_BASE_DAYS + distance / TRANSIT_KM_PER_DAY
    transit_sigma = TRANSIT_SIGMA + TRANSIT_SIGMA_PER_KM * distance
    congestion = np.ones(count)
    month = purchase.astype("datetime64[s]").astype("datetime64[M]")
    for (year, month_number), factor in CONGESTED_MONTHS.items():
        congestion[month == np.datetime64(f"{year}-{month_number:02d}")] = factor
    transit_days = transit_median * congestion * np.exp(transit_sigma * rng.standard_normal(count))
    mishap = rng.random(count) < MISHAP_SHARE + MISHAP_SHARE_PER_KM * distance
    transit_days[mishap] += rng.exponential(MISHAP_MEAN_DAYS, int(mishap.sum()))
    delivered = np.minimum(carrier + (transit_days * DAY).astype(np.int64), last_moment)
    delivered = np.maximum(delivered, carrier + HOUR)

    usual_days = (
        USUAL_APPROVAL_DAYS
        + HANDLING_SHAPE * HANDLING_SCALE_DAYS
        + transit_median * np.exp(transit_sigma**2 / 2)
    )
    promised_days = np.ceil(PROMISE_FACTOR * usual_days + PROMISE_MARGIN_DAYS)
    promised_days += rng.integers(0, 4, count)
    return Orders(
        ids=_hex_ids(rng, count),
        status=status,
        payment=payment,
        purchase=purchase,
        approved=np.where(lacks_approval, MISSING, approved),
        carrier=np.where(reaches_carrier, carrier, MISSING),
        delivered=np.where(_has_status(status, "delivered"), delivered, MISSING),
        estimated=_day_start(purchase) + promised_days.astype(np.int64) * DAY,
    )


def _orders_table(orders: Orders, customers: Customers) -> Table:
    every_order = np.arange(len(orders.ids))
    return {
        "order_id": Coded(every_order, orders.ids),
        "customer_id": Coded(every_order, customers.ids),
        "order_status": Coded(orders.status, ORDER_STATUSES),
        "order_purchase_timestamp": orders.purchase,
        "order_approved_at": orders.approved,
        "order_delivered_carrier_date": orders.carrier,
        "order_delivered_customer_date": orders.delivered,
        "order_estimated_delivery_date": orders.estimated,
    }


def _freight_cents(
    rng: np.random.Generator,
    items: Items,
    products: Products,
    sellers: Sellers,
    customers: Customers,
    places: Places,
) -> np.ndarray:
    """Each item's freight: it grows with the seller-customer distance and the billed weight."""
    distance = _distance_km(places, sellers.place[items.seller], customers.place[items.order])
    reais = (
        FREIGHT_BASE
        + FREIGHT_PER_KM * distance
        + FREIGHT_PER_KG * products.billed_kg[items.product]
    ) * rng.lognormal(0.0, 0.25, len(items.order))
    cents = np.round(reais * 100).astype(np.int64)
    cents[rng.random(len(cents)) < FREE_FREIGHT_SHARE] = 0
    return cents


def _items_table(
    rng: np.random.Generator,
    items: Items,
    orders: Orders,
    products: Products,
    sellers: Sellers,
    freight: np.ndarray,
) -> Table:
    """Items sorted by order id, as in the release; the seller must ship within about 6 days."""
    start = np.where(orders.approved != MISSING, orders.approved, orders.purchase)[items.order]
    shipping_limit = start + rng.choice([5, 6, 6, 6, 7], size=len(items.order)) * DAY
    row = np.argsort(np.array(orders.ids)[items.order], kind="stable")
    return {
        "order_id": Coded(items.order[row], orders.ids),
        "order_item_id": items.number[row],
        "product_id": Coded(items.product[row], products.ids),
        "seller_id": Coded(items.seller[row], sellers.ids),
        "shipping_limit_date": shipping_limit[row],
        "price": products.price_cents[items.product[row]],
        "freight_value": freight[row],
    }


# --- Payments -------------------------------------------------------------------------------------


def _voucher_rows(
    rng: np.random.Generator, sizes: Sizes, orders: Orders, order_total: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Voucher payments: (order of each row, its cents, cents per order paid by vouchers).

    Voucher orders pay everything with vouchers, some card orders part of it; an order's
    voucher amount is split at random over one or (often) several vouchers.
    """
    types = list(ORDERS_BY_PAYMENT)
    voucher_orders = np.flatnonzero(orders.payment == types.index("voucher"))
    card_orders = np.flatnonzero(orders.payment == types.index("credit_card"))
    topped_up = rng.choice(
        card_orders, size=min(len(card_orders), sizes.card_orders_with_vouchers), replace=False
    )
    with_vouchers = np.concatenate([voucher_orders, topped_up])
    vouchers_per_order = np.ones(len(with_vouchers), dtype=np.int64)
    if len(with_vouchers):
        extra = max(0, sizes.voucher_payments - len(with_vouchers))
        appetite = _normalised(rng.lognormal(0.0, 1.0, len(with_vouchers)))
        np.add.at(vouchers_per_order, rng.choice(len(with_vouchers), size=extra, p=appetite), 1)
    row_order = np.repeat(with_vouchers, vouchers_per_order)

    n = len(orders.ids)
    share = np.zeros(n)
    share[voucher_orders] = 1.0
    share[topped_up] = rng.uniform(0.05, 0.7, len(topped_up))
    per_order = np.round(order_total * share).astype(np.int64)
    split = rng.exponential(1.0, len(row_order))
    split_total = np.bincount(row_order, weights=split, minlength=n)
    cents = np.floor(per_order[row_order] * split / split_total[row_order]).astype(np.int64)
    # What rounding left over goes to each order's first voucher, so sums stay exact.
    paid = np.zeros(n, dtype=np.int64)
    np.add.at(paid, row_order, cents)
    first_row = np.flatnonzero(np.diff(row_order, prepend=-1) != 0)
    cents[first_row] += (per_order - paid)[row_order[first_row]]
    return row_order, cents, per_order


def _card_installments(
    rng: np.random.Generator, cents: np.ndarray, zero_installments: int
) -> np.ndarray:
    """Installments for card payments, dearer purchases loosely paid in more of them.

    ``zero_installments`` rows get 0, a flaw of the release that the loader must reject.
    """
    drawn = rng.choice(
        list(CARD_INSTALLMENTS), size=len(cents), p=_normalised(list(CARD_INSTALLMENTS.values()))
    )
    eagerness = np.log1p(cents) + rng.normal(0.0, 1.2, len(cents))
    installments = np.empty(len(cents), dtype=np.int64)
    installments[np.argsort(eagerness)] = np.sort(drawn)
    installments[rng.choice(len(cents), size=min(len(cents), zero_installments), replace=False)] = 0
    return installments


def _payments_table(
    rng: np.random.Generator, sizes: Sizes, orders: Orders, order_total: np.ndarray
) -> Table:
    """Payment rows that add up to each order's total, in integer cents.

    Most orders pay with one card, boleto or debit card, some partly or only with vouchers
    (which then come first or last at random). Zero-value ``not_defined`` rows, a flaw of the
    release, are appended to a few canceled orders.
    """
    n = len(orders.ids)
    voucher_order, voucher_cents, paid_by_vouchers = _voucher_rows(rng, sizes, orders, order_total)
    main_order = np.flatnonzero(orders.payment != list(ORDERS_BY_PAYMENT).index("voucher"))
    canceled = np.flatnonzero(orders.has_status("canceled"))
    pool = canceled if len(canceled) >= sizes.not_defined_payments else np.arange(n)
    undefined_order = rng.choice(pool, size=min(n, sizes.not_defined_payments), replace=False)

    type_code = np.array([PAYMENT_TYPES.index(name) for name in ORDERS_BY_PAYMENT])
    order = np.concatenate([main_order, voucher_order, undefined_order])
    payment_type = np.concatenate(
        [
            type_code[orders.payment[main_order]],
            np.full(len(voucher_order), PAYMENT_TYPES.index("voucher")),
            np.full(len(undefined_order), PAYMENT_TYPES.index("not_defined")),
        ]
    )
    cents = np.concatenate(
        [
            order_total[main_order] - paid_by_vouchers[main_order],
            voucher_cents,
            np.zeros(len(undefined_order), dtype=np.int64),
        ]
    )
    vouchers_first = rng.random(n) < 0.5
    is_voucher = payment_type == PAYMENT_TYPES.index("voucher")
    place_in_order = np.where(
        payment_type == PAYMENT_TYPES.index("not_defined"),
        2,
        np.where(is_voucher == vouchers_first[order], 0, 1),
    )
    sequential = _rank_within_order(rng, order, place_in_order)

    installments = np.ones(len(order), dtype=np.int64)
    card = np.flatnonzero(payment_type == PAYMENT_TYPES.index("credit_card"))
    installments[card] = _card_installments(rng, cents[card], sizes.zero_installment_payments)

    row = rng.permutation(len(order))  # the release lists payments in no particular order
    return {
        "order_id": Coded(order[row], orders.ids),
        "payment_sequential": sequential[row],
        "payment_type": Coded(payment_type[row], PAYMENT_TYPES),
        "payment_installments": installments[row],
        "payment_value": cents[row],
    }


# --- Reviews --------------------------------------------------------------------------------------


def _review_scores(rng: np.random.Generator, orders: Orders, order: np.ndarray) -> np.ndarray:
    """Scores by what happened: happy when on time, unhappy when late or never delivered."""
    delivered = orders.delivered[order] != MISSING
    late = orders.late[order]
    scores = np.empty(len(order), dtype=np.int64)
    for chosen, probabilities in (
        (delivered & ~late, SCORES_ON_TIME),
        (late, SCORES_LATE),
        (~delivered, SCORES_UNDELIVERED),
    ):
        scores[chosen] = rng.choice(np.arange(1, 6), size=int(chosen.sum()), p=probabilities)
    return scores


def _review_texts(rng: np.random.Generator, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optional Portuguese titles and messages in the mood of each score.

    A quarter of the messages have two sentences, sometimes on two lines (CRLF or LF), which
    the release quotes inside one field.
    """
    n = len(scores)
    mood = np.where(scores >= 4, 0, np.where(scores == 3, 1, 2))
    titles_by_mood = (POSITIVE_TITLES, NEUTRAL_TITLES, NEGATIVE_TITLES)
    messages_by_mood = (POSITIVE_MESSAGES, NEUTRAL_MESSAGES, NEGATIVE_MESSAGES)
    has_title = rng.random(n) < TITLE_SHARE
    has_message = rng.random(n) < np.array(MESSAGE_SHARE_BY_SCORE)[scores - 1]
    picks = rng.random((n, 3))
    two_sentences = rng.random(n) < 0.25
    separator = rng.choice(MESSAGE_SEPARATORS, size=n, p=[0.5, 0.3, 0.2])

    def pick(pool: Sequence[str], uniform: float) -> str:
        return pool[int(uniform * len(pool))]

    titles = np.full(n, None, dtype=object)
    messages = np.full(n, None, dtype=object)
    for i in np.flatnonzero(has_title):
        titles[i] = pick(titles_by_mood[mood[i]], picks[i, 0])
    for i in np.flatnonzero(has_message):
        pool = messages_by_mood[mood[i]]
        text, second = pick(pool, picks[i, 1]), pick(pool, picks[i, 2])
        messages[i] = text + separator[i] + second if two_sentences[i] and second != text else text
    return titles, messages


def _reviews_table(rng: np.random.Generator, sizes: Sizes, orders: Orders) -> Table:
    """About one review per order, created a day or so after delivery (or the promised date).

    The release's oddities are kept: some orders have no review, some have two, and pairs of
    orders bought one after the other share a review id (the same review, copied to both).
    """
    n = len(orders.ids)
    first_reviews = min(n, sizes.reviews - sizes.second_reviews)
    reviewed = np.sort(rng.choice(n, size=first_reviews, replace=False))
    reviewed_twice = rng.choice(
        reviewed, size=min(first_reviews, sizes.second_reviews), replace=False
    )
    order = np.concatenate([reviewed, reviewed_twice])
    scores = _review_scores(rng, orders, order)
    titles, messages = _review_texts(rng, scores)

    reference = np.where(orders.delivered != MISSING, orders.delivered, orders.estimated)[order]
    days_after = 1 + rng.choice(len(DAYS_TO_REVIEW), size=len(order), p=DAYS_TO_REVIEW)
    days_after[first_reviews:] += rng.integers(1, 21, len(reviewed_twice))
    created = _day_start(reference) + days_after * DAY
    answer_delay = np.minimum(rng.exponential(1.6 * DAY, len(order)) + 600, 5 * DAY - 1)
    answered = created + answer_delay.astype(np.int64)

    review = np.arange(len(order))
    by_time = reviewed[np.argsort(orders.purchase[reviewed], kind="stable")]
    n_pairs = len(by_time) // 2
    pair = rng.choice(n_pairs, size=min(n_pairs, sizes.shared_review_ids), replace=False)
    row_of_order = np.empty(n, dtype=np.int64)
    row_of_order[reviewed] = np.arange(first_reviews)
    first, copy = row_of_order[by_time[2 * pair]], row_of_order[by_time[2 * pair + 1]]
    review[copy] = review[first]
    scores[copy], titles[copy], messages[copy] = scores[first], titles[first], messages[first]
    for dates in (created, answered):  # the shared review was written after both deliveries
        dates[first] = dates[copy] = np.maximum(dates[first], dates[copy])

    distinct, review_code = np.unique(review, return_inverse=True)
    ids = _hex_ids(rng, len(distinct))
    row = rng.permutation(len(order))
    return {
        "review_id": Coded(review_code[row], ids),
        "order_id": Coded(order[row], orders.ids),
        "review_score": scores[row],
        "review_comment_title": titles[row],
        "review_comment_message": messages[row],
        "review_creation_date": created[row],
        "review_answer_timestamp": answered[row],
    }


def _translation_table() -> Table:
    every_row = np.arange(len(TRANSLATED))
    return {
        "product_category_name": Coded(every_row, [c.name for c in TRANSLATED]),
        "product_category_name_english": Coded(every_row, [c.english or "" for c in TRANSLATED]),
    }


# --- Writing --------------------------------------------------------------------------------------


def _timestamp_cells(seconds: np.ndarray) -> list[str]:
    missing = seconds == MISSING
    iso = np.datetime_as_string(np.where(missing, 0, seconds).astype("datetime64[s]"), unit="s")
    return [
        "" if gone else fmt.format_text(text.replace("T", " "))
        for text, gone in zip(iso.tolist(), missing.tolist(), strict=True)
    ]


def _cell_renderer(kind: fmt.ColumnKind, column: Coded | np.ndarray) -> Callable[[slice], list]:
    """A function giving the formatted cells of a range of rows of one column."""
    if isinstance(column, Coded):
        rendered = np.array([fmt.format_text(v) for v in column.vocabulary] + [""], dtype=object)
        return lambda rows: rendered[column.codes[rows]].tolist()
    renderers: dict[str, Callable[[slice], list]] = {
        "text": lambda rows: [fmt.format_text(v) for v in column[rows]],
        "int": lambda rows: ["" if v == MISSING else str(v) for v in column[rows].tolist()],
        "money": lambda rows: [fmt.format_money(v) for v in column[rows].tolist()],
        "float": lambda rows: [fmt.format_float(v) for v in column[rows].tolist()],
        "timestamp": lambda rows: _timestamp_cells(column[rows]),
    }
    return renderers[kind]


def _write_csv(path: Path, spec: fmt.OlistFile, table: Table, progress: tqdm) -> None:
    """Write one file in the release's format, atomically (a partial file never has its name)."""
    if list(table) != spec.header:
        raise ValueError(f"{spec.file_name}: columns {list(table)} are not {spec.header}")
    renderers = [_cell_renderer(kind, table[name]) for name, kind in spec.columns]
    rows = _row_count(table)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            out.write(("\ufeff" if spec.bom else "") + fmt.format_header(spec))
            for start in range(0, rows, CHUNK_ROWS):
                chunk = slice(start, min(start + CHUNK_ROWS, rows))
                lines = zip(*(render(chunk) for render in renderers), strict=True)
                out.write(spec.line_end + spec.line_end.join(map(",".join, lines)))
                progress.update(chunk.stop - chunk.start)
            if spec.final_newline:
                out.write(spec.line_end)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _build_tables(sizes: Sizes, seed: int) -> dict[str, Table]:
    """Every table of the release, keyed by table name, built stage by stage."""

    def stage(name: str) -> np.random.Generator:
        return _stage_rng(seed, name)

    places = _build_places(stage("places"), sizes.geolocation_prefixes)
    sellers, sellers_table = _build_sellers(stage("sellers"), places, sizes.sellers)
    products, products_table = _build_products(stage("products"), sizes, sizes.sellers)
    customers, customers_table = _build_customers(stage("customers"), places, sizes)
    items = _build_items(stage("items"), sizes, products)
    orders = _build_orders(stage("orders"), sizes, customers, places, items, sellers)
    freight = _freight_cents(stage("freight"), items, products, sellers, customers, places)
    order_total = np.zeros(sizes.orders, dtype=np.int64)
    np.add.at(order_total, items.order, products.price_cents[items.product] + freight)
    return {
        fmt.GEOLOCATION.table: _geolocation_table(stage("geolocation"), places, sizes),
        fmt.CATEGORY_TRANSLATION.table: _translation_table(),
        fmt.SELLERS.table: sellers_table,
        fmt.PRODUCTS.table: products_table,
        fmt.CUSTOMERS.table: customers_table,
        fmt.ORDERS.table: _orders_table(orders, customers),
        fmt.ORDER_ITEMS.table: _items_table(
            stage("shipping"), items, orders, products, sellers, freight
        ),
        fmt.PAYMENTS.table: _payments_table(stage("payments"), sizes, orders, order_total),
        fmt.REVIEWS.table: _reviews_table(stage("reviews"), sizes, orders),
    }


def generate(
    out_dir: Path, scale: float = 1.0, seed: int = 42, progress: bool = False
) -> dict[str, int]:
    """Write the nine Olist CSV files into ``out_dir`` and return the rows written per table.

    ``scale`` multiplies every count (1 is the release's size); ``seed`` (>= 0) picks the
    variant; the same pair always gives the same bytes. ``progress`` shows a bar of rows
    written on stderr.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    tables = _build_tables(Sizes.at(scale), seed)
    counts = {spec.table: _row_count(tables[spec.table]) for spec in fmt.ALL_FILES}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tqdm(
        total=sum(counts.values()),
        unit=" rows",
        unit_scale=True,
        disable=not progress,
        file=sys.stderr,
    ) as bar:
        for spec in fmt.ALL_FILES:
            bar.set_description(spec.file_name)
            _write_csv(out_dir / spec.file_name, spec, tables[spec.table], bar)
    return counts
