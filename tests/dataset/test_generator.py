"""The synthetic Olist generator writes the release's format, keeps its data consistent, and
lands on the published figures.

Files are generated once per module at SCALE=0.1 (about 10k orders) and read back from disk,
so every check is about what a consumer of the files would see. Tolerances are a few standard
errors at that size around the published figure.
"""

import csv
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from core.domain import ORDER_STATUSES, STATE_CODES

from dataset import categories, geography
from dataset import olist_format as fmt
from dataset.generate import main as generate_cli
from dataset.generator import Sizes, generate

SCALE = 0.1
SEED = 42

ID = r"[0-9a-f]{32}"
# Quoted exactly when the id starts with a digit.
RAW_ID = re.compile(r'"[0-9][0-9a-f]{31}"|[a-f][0-9a-f]{31}')
ZIP = re.compile(r'"[0-9]{5}"')
TIMESTAMP = re.compile(r'"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"')
MONEY = re.compile(r"\d+\.\d\d")
UNQUOTED_WORD = re.compile(r"[^\",\d][^\",]*")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("olist")
    generate(folder, scale=SCALE, seed=SEED)
    return folder


def read_text(out: Path, spec: fmt.OlistFile) -> str:
    return (out / spec.file_name).read_bytes().decode("utf-8")


def read_table(out: Path, spec: fmt.OlistFile) -> pd.DataFrame:
    """A file as strings, empty cells as "" (as a loader sees it before typing)."""
    return pd.read_csv(out / spec.file_name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def tables(out) -> dict[str, pd.DataFrame]:
    return {spec.table: read_table(out, spec) for spec in fmt.ALL_FILES}


@pytest.fixture(scope="module")
def orders(tables) -> pd.DataFrame:
    frame = tables["orders"].copy()
    for column in frame.columns[3:]:
        frame[column] = pd.to_datetime(frame[column].replace("", None), format=fmt.TIMESTAMP_FORMAT)
    return frame


@pytest.fixture(scope="module")
def delivered(orders, tables) -> pd.DataFrame:
    frame = orders[orders.order_status == "delivered"].merge(tables["customers"], on="customer_id")
    frame["days"] = (
        frame.order_delivered_customer_date - frame.order_purchase_timestamp
    ).dt.total_seconds() / 86_400
    frame["late"] = frame.order_delivered_customer_date > frame.order_estimated_delivery_date
    return frame


def cents(values: pd.Series) -> pd.Series:
    return values.str.replace(".", "", regex=False).astype(int)


def share(mask: pd.Series) -> float:
    return 100 * float(mask.mean())


# --- Format ---------------------------------------------------------------------------------------


def test_every_file_is_there_with_its_exact_header(out):
    assert sorted(p.name for p in out.iterdir()) == sorted(f.file_name for f in fmt.ALL_FILES)
    for spec in fmt.ALL_FILES:
        first_line = read_text(out, spec).lstrip("\ufeff").split(spec.line_end, 1)[0]
        assert first_line == fmt.format_header(spec)


def test_translation_file_has_bom_crlf_and_no_final_newline(out):
    raw = (out / fmt.CATEGORY_TRANSLATION.file_name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfproduct_category_name,product_category_name_english\r\n")
    assert not raw.endswith(b"\n")
    assert raw.count(b"\r\n") == 71
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_other_files_end_lines_with_lf_including_the_last(out):
    for spec in fmt.ALL_FILES:
        if spec is fmt.CATEGORY_TRANSLATION:
            continue
        raw = (out / spec.file_name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
        if spec is not fmt.REVIEWS:  # review messages may hold CRLF inside quotes
            assert b"\r" not in raw


def cells(out: Path, spec: fmt.OlistFile) -> dict[str, list[str]]:
    """Raw cells by column, for files whose values hold no comma or line break."""
    lines = read_text(out, spec).rstrip("\n").split("\n")[1:]
    rows = [line.split(",") for line in lines]
    assert all(len(row) == len(spec.columns) for row in rows)
    return {name: [row[i] for row in rows] for i, name in enumerate(spec.header)}


def well_formed(name: str, kind: fmt.ColumnKind, value: str) -> bool:
    """Whether a raw cell is written the way the release writes that column."""
    if name.endswith("_id") and kind == "text":
        return bool(RAW_ID.fullmatch(value))
    if "zip_code" in name:
        return bool(ZIP.fullmatch(value))
    if kind == "timestamp":
        return value == "" or bool(TIMESTAMP.fullmatch(value))
    if kind == "float":
        return repr(float(value)) == value
    if kind == "money":
        return bool(MONEY.fullmatch(value))
    if kind == "int":
        return value == "" or value.isdigit()
    return value == "" or bool(UNQUOTED_WORD.fullmatch(value))


def test_values_are_quoted_as_in_the_release(out):
    """Ids are quoted iff they start with a digit; zips and timestamps always; words and
    numbers never; money has two decimals; coordinates are Python float reprs."""
    for spec in fmt.ALL_FILES:
        if spec in (fmt.REVIEWS, fmt.CATEGORY_TRANSLATION):
            continue
        for (name, kind), values in zip(spec.columns, cells(out, spec).values(), strict=True):
            bad = [value for value in values if not well_formed(name, kind, value)]
            assert not bad, f"{spec.file_name} {name}: {bad[:3]}"


def test_ids_are_quoted_exactly_when_they_start_with_a_digit(out):
    ids = cells(out, fmt.ORDERS)["order_id"]
    assert {v.startswith('"') for v in ids} == {True, False}
    assert all(v.startswith('"') == v.strip('"')[0].isdigit() for v in ids)


def test_files_read_back_to_the_same_bytes_with_the_shared_format_rules(out):
    """Parsing each file and rendering it again with olist_format gives the file back, so the
    writer follows format_text everywhere (including multi-line review messages)."""
    for spec in fmt.ALL_FILES:
        text = read_text(out, spec).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
        rendered = [
            ",".join(
                fmt.format_text(v) if kind in ("text", "timestamp") else v
                for v, (_, kind) in zip(row, spec.columns, strict=True)
            )
            for row in rows
        ]
        again = spec.line_end.join([fmt.format_header(spec), *rendered])
        assert again + (spec.line_end if spec.final_newline else "") == text, spec.file_name


def test_timestamps_follow_the_shared_format_and_dates_are_midnight(tables):
    for value in tables["orders"].order_purchase_timestamp.head(50):
        datetime.strptime(value, fmt.TIMESTAMP_FORMAT)
    assert tables["orders"].order_estimated_delivery_date.str.endswith(" 00:00:00").all()
    assert tables["reviews"].review_creation_date.str.endswith(" 00:00:00").all()


# --- Determinism and writing ----------------------------------------------------------------------


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_scale_and_seed_give_identical_bytes_and_another_seed_differs(tmp_path):
    generate(tmp_path / "a", scale=0.01, seed=7)
    generate(tmp_path / "b", scale=0.01, seed=7)
    generate(tmp_path / "c", scale=0.01, seed=8)
    first, again, other = (digests(tmp_path / name) for name in "abc")
    assert first == again
    changed = {name for name in first if first[name] != other[name]}
    assert changed == {f.file_name for f in fmt.ALL_FILES} - {fmt.CATEGORY_TRANSLATION.file_name}


def test_an_interrupted_run_leaves_no_complete_looking_file(tmp_path, monkeypatch):
    def broken(cents: int) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(fmt, "format_money", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(tmp_path, scale=0.001, seed=1)
    names = {p.name for p in tmp_path.iterdir()}
    assert fmt.ORDER_ITEMS.file_name not in names  # the first file with money
    assert fmt.PAYMENTS.file_name not in names
    assert not [name for name in names if name.endswith(".partial")]


def test_command_line_writes_the_files_and_prints_a_summary(tmp_path, capsys):
    assert generate_cli(["--scale", "0.001", "--seed", "3", "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr()
    assert "olist_orders_dataset.csv" in printed.out and "total" in printed.out
    assert printed.err == ""
    assert len(list(tmp_path.glob("*.csv"))) == 9


def test_sizes_scale_linearly_from_the_release_counts():
    release = Sizes.at(1)
    assert (release.orders, release.persons, release.order_items) == (99_441, 96_096, 112_650)
    assert (release.products, release.sellers, release.reviews) == (32_951, 3_095, 99_224)
    assert (release.not_defined_payments, release.zero_installment_payments) == (3, 2)
    assert Sizes.at(0.01).orders == 994
    assert Sizes.at(0.0001).sellers == 1
    with pytest.raises(ValueError):
        Sizes.at(0)


def test_row_counts_match_the_sizes(tables):
    sizes = Sizes.at(SCALE)
    assert len(tables["orders"]) == len(tables["customers"]) == sizes.orders
    assert len(tables["order_items"]) == sizes.order_items
    assert len(tables["products"]) == sizes.products
    assert len(tables["sellers"]) == sizes.sellers
    assert len(tables["reviews"]) == sizes.reviews
    assert len(tables["geolocation"]) == sizes.geolocation_rows
    assert len(tables["product_categories"]) == 71


# --- Consistency ----------------------------------------------------------------------------------


def test_every_reference_resolves(tables):
    items, orders = tables["order_items"], tables["orders"]
    assert items.order_id.isin(orders.order_id).all()
    assert items.product_id.isin(tables["products"].product_id).all()
    assert items.seller_id.isin(tables["sellers"].seller_id).all()
    assert orders.customer_id.isin(tables["customers"].customer_id).all()
    assert tables["customers"].customer_id.is_unique and orders.order_id.is_unique
    assert tables["payments"].order_id.isin(orders.order_id).all()
    assert tables["reviews"].order_id.isin(orders.order_id).all()
    assert tables["products"].product_id.isin(items.product_id).all()  # all sold
    assert tables["sellers"].seller_id.isin(items.seller_id).all()


def test_ids_are_32_lowercase_hex(tables):
    id_columns = {
        "orders": "order_id",
        "customers": "customer_unique_id",
        "products": "product_id",
        "reviews": "review_id",
    }
    for table, column in id_columns.items():
        assert tables[table][column].str.fullmatch(ID).all()


def test_payments_add_up_to_items_price_plus_freight_to_the_cent(tables):
    items, payments = tables["order_items"], tables["payments"]
    owed = (cents(items.price) + cents(items.freight_value)).groupby(items.order_id).sum()
    paid = cents(payments.payment_value).groupby(payments.order_id).sum()
    assert owed.sort_index().equals(paid.sort_index())


def test_payment_sequentials_count_from_one_within_each_order(tables):
    payments = tables["payments"]
    sequential = payments.payment_sequential.astype(int)
    per_order = sequential.groupby(payments.order_id)
    assert (per_order.min() == 1).all()
    assert (per_order.max() == per_order.count()).all()


def test_order_timestamps_follow_the_status(orders):
    status = orders.order_status
    assert orders.order_delivered_customer_date.notna().eq(status == "delivered").all()
    shipped = status.isin(["shipped", "delivered"])
    assert orders[shipped].order_delivered_carrier_date.notna().all()
    carrier_allowed = status.isin(["shipped", "delivered", "canceled"])
    assert orders[~carrier_allowed].order_delivered_carrier_date.isna().all()
    may_lack_approval = status.isin(["created", "canceled", "unavailable"])
    assert orders[~may_lack_approval].order_approved_at.notna().all()
    assert orders[status == "created"].order_approved_at.isna().all()
    assert not (orders.order_approved_at < orders.order_purchase_timestamp).any()
    assert not (orders.order_delivered_carrier_date < orders.order_approved_at).any()
    assert not (orders.order_delivered_customer_date < orders.order_delivered_carrier_date).any()


def test_reviews_come_after_delivery_and_are_answered_within_five_days(tables, orders):
    reviews = tables["reviews"].merge(orders, on="order_id")
    created = pd.to_datetime(reviews.review_creation_date)
    answered = pd.to_datetime(reviews.review_answer_timestamp)
    assert not (created < reviews.order_delivered_customer_date).any()
    delay = (answered - created).dt.total_seconds()
    assert delay.between(0, 5 * 86_400).all()


def test_shipping_limit_is_about_six_days_after_purchase(tables, orders):
    items = tables["order_items"].merge(orders, on="order_id")
    days = (
        pd.to_datetime(items.shipping_limit_date) - items.order_purchase_timestamp
    ).dt.total_seconds() / 86_400
    assert 5.5 < days.mean() < 7.5


def test_items_are_sorted_by_order_id_as_in_the_release(tables):
    assert tables["order_items"].order_id.is_monotonic_increasing


# --- Published figures ----------------------------------------------------------------------------


def test_order_statuses_match_the_published_shares(orders):
    shares = orders.order_status.value_counts(normalize=True) * 100
    assert shares["delivered"] == pytest.approx(97.0, abs=0.3)
    assert shares["shipped"] == pytest.approx(1.11, abs=0.2)
    assert shares["canceled"] == pytest.approx(0.63, abs=0.15)
    assert shares["unavailable"] == pytest.approx(0.61, abs=0.15)
    assert set(shares.index) <= set(ORDER_STATUSES)


def test_purchases_follow_the_monthly_volumes_and_black_friday(orders):
    purchase = orders.order_purchase_timestamp
    month = purchase.dt.to_period("M").value_counts()
    assert month[pd.Period("2017-11")] / month[pd.Period("2017-10")] == pytest.approx(1.63, abs=0.1)
    assert purchase.dt.date.value_counts().idxmax() == datetime(2017, 11, 24).date()
    assert share(purchase.dt.year == 2016) == pytest.approx(0.33, abs=0.1)
    in_2018 = month[(month.index >= pd.Period("2018-01")) & (month.index <= pd.Period("2018-08"))]
    assert in_2018.mean() / SCALE == pytest.approx(6_750, rel=0.05)
    assert purchase.max() < datetime(2018, 10, 18)
    assert (orders[purchase >= datetime(2018, 9, 1)].order_status == "canceled").all()
    weekend = share(purchase.dt.dayofweek >= 5)
    assert weekend < 2 / 7 * 100 - 3  # fewer purchases at weekends


def test_delivery_times_and_lateness_match_the_published_figures(delivered, orders):
    assert delivered.days.mean() == pytest.approx(12.5, abs=1.0)
    promised = (
        orders.order_estimated_delivery_date - orders.order_purchase_timestamp
    ).dt.total_seconds() / 86_400
    assert promised.mean() == pytest.approx(23.5, abs=1.5)
    assert share(delivered.late) == pytest.approx(8.1, abs=1.5)
    region = delivered.customer_state.map({s.code: s.region for s in geography.STATES})
    far = delivered[region.isin(["North", "Northeast"])]
    southeast = delivered[region == "Southeast"]
    assert share(far.late) > share(southeast.late) + 3
    assert far.days.mean() > southeast.days.mean() + 5


def test_customers_and_sellers_by_state(tables):
    customers = tables["customers"].customer_state.value_counts(normalize=True) * 100
    assert customers["SP"] == pytest.approx(42.0, abs=1.5)
    assert customers["RJ"] == pytest.approx(13.0, abs=1.0)
    assert customers["MG"] == pytest.approx(12.0, abs=1.0)
    assert set(customers.index) == set(STATE_CODES)
    sellers = tables["sellers"].seller_state.value_counts(normalize=True) * 100
    assert sellers["SP"] == pytest.approx(60.0, abs=3.0)
    assert sellers["PR"] == pytest.approx(11.0, abs=2.0)


def test_about_three_percent_of_people_order_more_than_once(tables):
    orders_per_person = tables["customers"].customer_unique_id.value_counts()
    assert len(orders_per_person) == Sizes.at(SCALE).persons
    assert share(orders_per_person > 1) == pytest.approx(3.1, abs=0.5)


def test_payment_types_and_installments(tables):
    payments = tables["payments"]
    types = payments.payment_type.value_counts(normalize=True) * 100
    assert types["credit_card"] == pytest.approx(73.9, abs=1.5)
    assert types["boleto"] == pytest.approx(19.0, abs=1.5)
    assert types["voucher"] == pytest.approx(5.6, abs=1.0)
    assert types["debit_card"] == pytest.approx(1.5, abs=0.5)
    installments = payments.payment_installments.astype(int)
    assert installments.mean() == pytest.approx(2.85, abs=0.15)
    assert installments[payments.payment_type != "credit_card"].eq(1).all()
    assert installments.between(0, 24).all()
    vouchers = payments[payments.payment_type == "voucher"].groupby("order_id").size()
    assert (vouchers > 1).any()


def test_flawed_payment_rows_appear_once_the_scale_allows(tmp_path):
    generate(tmp_path, scale=0.3, seed=SEED)
    payments = read_table(tmp_path, fmt.PAYMENTS)
    undefined = payments[payments.payment_type == "not_defined"]
    assert len(undefined) == Sizes.at(0.3).not_defined_payments == 1
    assert (undefined.payment_value == "0.00").all()
    card = payments[payments.payment_type == "credit_card"]
    assert (card.payment_installments == "0").sum() == Sizes.at(0.3).zero_installment_payments == 1


def test_prices_and_freight(tables):
    items = tables["order_items"]
    price, freight = cents(items.price) / 100, cents(items.freight_value) / 100
    assert price.mean() == pytest.approx(120, abs=15)
    assert price.median() == pytest.approx(75, abs=8)
    assert freight.mean() == pytest.approx(20, abs=2)
    per_order = items.groupby("order_id").size()
    assert per_order.mean() == pytest.approx(1.133, abs=0.02)
    assert share(per_order == 1) == pytest.approx(90.5, abs=1.5)
    total = cents(tables["payments"].payment_value).sum() / 100
    assert total / SCALE == pytest.approx(16.0e6, rel=0.1)


def test_prices_differ_by_category(tables):
    items = tables["order_items"].merge(tables["products"], on="product_id")
    median = (cents(items.price) / 100).groupby(items.product_category_name).median()
    assert median["pcs"] > 4 * median["telefonia"]


def test_freight_grows_with_distance(tables):
    items = tables["order_items"].merge(tables["orders"], on="order_id")
    items = items.merge(tables["customers"], on="customer_id").merge(
        tables["sellers"], on="seller_id"
    )
    freight = cents(items.freight_value)
    same_state = items.customer_state == items.seller_state
    far = items.customer_state.isin(["AM", "PA", "CE", "MA", "PI", "RN", "PB", "AL"])
    assert freight[far & ~same_state].mean() > 1.5 * freight[same_state].mean()


def test_products_without_category_and_untranslated_categories(tables):
    products = tables["products"]
    uncategorised = products[products.product_category_name == ""]
    assert share(products.product_category_name == "") == pytest.approx(1.85, abs=0.3)
    assert (uncategorised[["product_name_lenght", "product_photos_qty"]] == "").all().all()
    assert (uncategorised.product_weight_g != "").all()
    translated = set(tables["product_categories"].product_category_name)
    used = set(products.product_category_name) - {""}
    assert used - translated == {c.name for c in categories.UNTRANSLATED}
    assert len(used) == len(categories.CATEGORIES)
    photos = products.product_photos_qty[products.product_photos_qty != ""].astype(int)
    assert photos.between(1, 20).all() and share(photos <= 2) > 60


def test_reviews_match_the_published_figures(tables, delivered):
    reviews = tables["reviews"]
    sizes = Sizes.at(SCALE)
    assert reviews.order_id.nunique() == sizes.reviews - sizes.second_reviews
    assert (reviews.order_id.value_counts() == 2).sum() == sizes.second_reviews
    orders_per_review = reviews.groupby("review_id").order_id.nunique()
    assert (orders_per_review == 2).sum() == sizes.shared_review_ids > 0
    score = reviews.review_score.astype(int)
    assert score.mean() == pytest.approx(4.09, abs=0.1)
    assert share(score == 5) == pytest.approx(57.8, abs=3)
    assert share(score == 1) == pytest.approx(11.5, abs=2)
    scored = delivered.merge(reviews, on="order_id")
    scored_score = scored.review_score.astype(int)
    assert scored_score[~scored.late].mean() == pytest.approx(4.3, abs=0.15)
    assert scored_score[scored.late].mean() == pytest.approx(2.5, abs=0.3)


def test_review_texts_are_portuguese_sometimes_multiline_and_with_commas(tables):
    reviews = tables["reviews"]
    assert share(reviews.review_comment_title != "") == pytest.approx(12, abs=2)
    assert share(reviews.review_comment_message != "") == pytest.approx(41, abs=3)
    messages = reviews.review_comment_message
    assert messages.str.contains("\r\n", regex=False).any()
    assert messages.str.contains(r"[^\r]\n", regex=True).any()
    assert messages.str.contains(",", regex=False).any()
    assert messages.str.contains("Recebi bem antes do prazo estipulado.", regex=False).any()


def test_geolocation_keeps_the_release_flaws(tables):
    geolocation = tables["geolocation"]
    assert share(geolocation.duplicated()) == pytest.approx(26.2, abs=1.0)
    lat = geolocation.geolocation_lat.astype(float)
    lng = geolocation.geolocation_lng.astype(float)
    outside = ~lat.between(*geography.LAT_RANGE) | ~lng.between(*geography.LNG_RANGE)
    assert 0 < outside.sum() < 0.001 * len(geolocation)
    spellings = geolocation.groupby("geolocation_zip_code_prefix").geolocation_city.unique()
    assert any({"sao paulo", "são paulo"} <= set(names) for names in spellings)
    prefixes = geolocation.geolocation_zip_code_prefix.nunique()
    assert prefixes == Sizes.at(SCALE).geolocation_prefixes


def test_customer_and_seller_zips_mostly_exist_in_geolocation(tables):
    known = set(tables["geolocation"].geolocation_zip_code_prefix)
    assert share(tables["customers"].customer_zip_code_prefix.isin(known)) > 98
    assert share(tables["sellers"].seller_zip_code_prefix.isin(known)) > 98
    zips = tables["customers"].customer_zip_code_prefix.astype(int)
    state_of_zip = {
        prefix: state.code
        for state in geography.STATES
        for first, last in state.zip_ranges
        for prefix in range(first, last + 1)
    }
    assert (zips.map(state_of_zip) == tables["customers"].customer_state).all()


# --- Reference tables -----------------------------------------------------------------------------


def test_geography_is_a_clean_table_of_the_27_states():
    assert geography.STATE_CODES == STATE_CODES
    prefixes = [p for s in geography.STATES for a, b in s.zip_ranges for p in range(a, b + 1)]
    assert len(prefixes) == len(set(prefixes))  # ranges do not overlap
    for state in geography.STATES:
        assert state.cities and state.customer_share > 0
        for city in state.cities:
            assert city.name == city.name.lower() and city.name.isascii()
            assert abs(city.lat - state.lat) < 9 and abs(city.lng - state.lng) < 9
            assert geography.LAT_RANGE[0] < city.lat < geography.LAT_RANGE[1]


def test_categories_have_71_translations_and_2_untranslated():
    names = [c.name for c in categories.CATEGORIES]
    assert len(names) == len(set(names)) == 73
    assert len(categories.TRANSLATED) == 71 and len(categories.UNTRANSLATED) == 2
    assert {"beleza_saude", "cama_mesa_banho", "informatica_acessorios"} <= set(names)
