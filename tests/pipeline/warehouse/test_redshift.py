"""The Redshift warehouse: its SQL text, its Data API calls (botocore's Stubber standing in for
Redshift) and a partition load from a real lake on moto's S3 server.

No Redshift runs here, so what is tested is everything this side of the Data API: the exact
statements and the order they go in, the COPY manifest written beside the partition, polling,
errors carrying Redshift's message, and results read back as Python values.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlfluff
import sqlglot
from botocore.stub import Stubber
from sqlfluff.core import FluffConfig
from sqlglot import exp

from olist_pipeline.lake.partitions import DataFile, Lake, Manifest
from olist_pipeline.warehouse.protocol import LoadResult, Statement
from olist_pipeline.warehouse.redshift import (
    MAX_BATCH_STATEMENTS,
    REDSHIFT_MANIFEST_NAME,
    LakeNotOnS3,
    RedshiftStatementError,
    RedshiftWarehouse,
    copy_parquet_sql,
    data_api_sql,
    iam_role_clause,
    inline_parameters,
    load_statements,
    python_value,
    redshift_manifest,
    redshift_warehouse_from,
    sql_literal,
)

ROLE = "arn:aws:iam::123456789012:role/olist-redshift-copy"
CLUSTER = {"ClusterIdentifier": "olist-warehouse", "Database": "olist", "DbUser": "pipeline"}
BATCH_ID = "9c2d4a5e-0b1f-4c3a-8d2e-6f7a8b9c0d1e"


def _manifest(files: list[DataFile], *, table: str = "orders") -> Manifest:
    return Manifest(
        zone="processed",
        table=table,
        ingest_date="2024-03-01",
        run_id="scheduled__2024-03-01T00:00:00+00:00",
        rows=sum(f.rows for f in files),
        columns=[
            {"name": "order_id", "type": "string"},
            {"name": "items_revenue", "type": "decimal128(14, 2)"},
            {"name": "purchased_at", "type": "timestamp[us, tz=UTC]"},
        ],
        files=files,
        checksum="0" * 64,
        committed_at="2024-03-01T03:00:00+00:00",
    )


# --- SQL text ----------------------------------------------------------------------------------


def test_copy_reads_the_manifest_as_parquet_with_the_role_quoted():
    sql = copy_parquet_sql(
        "load_orders",
        ["order_id", "items_revenue"],
        "s3://olist-lake/prod/processed/orders/ingest_date=2024-03-01/_redshift_manifest.json",
        ROLE,
    )

    assert sql == (
        "copy load_orders (order_id, items_revenue)\n"
        "from 's3://olist-lake/prod/processed/orders/ingest_date=2024-03-01/"
        "_redshift_manifest.json'\n"
        "iam_role 'arn:aws:iam::123456789012:role/olist-redshift-copy'\n"
        "format as parquet\n"
        "manifest"
    )


def test_bound_parameters_are_written_in_as_redshift_literals():
    def bound(value) -> str:
        return inline_parameters(Statement("select %(value)s", {"value": value}))

    assert bound(None) == "select null"
    assert bound(3) == "select 3"
    assert bound(True) == "select true"
    # Redshift reads a backslash in a literal as an escape: doubled, and quotes doubled too
    assert bound("a\\b 'c'") == "select 'a\\\\b ''c'''"
    assert bound(dt.datetime(2018, 10, 18, 3, 0)) == (
        "select cast('2018-10-18 03:00:00+00:00' as timestamptz)"
    )
    assert bound(dt.date(2018, 10, 18)) == "select cast('2018-10-18' as date)"
    assert inline_parameters(Statement("select 1 %% 2")) == "select 1 %% 2"
    assert inline_parameters(Statement("select %(a)s %% 2", {"a": 5})) == "select 5 % 2"
    with pytest.raises(KeyError, match="'b'"):
        inline_parameters(Statement("select %(b)s", {"a": 1}))


def test_quotes_are_doubled_and_backslashes_refused_in_literals():
    assert sql_literal("s3://bucket/it's/m.json") == "'s3://bucket/it''s/m.json'"
    assert iam_role_clause("arn:a,arn:b") == "iam_role 'arn:a,arn:b'"
    assert iam_role_clause("default") == "iam_role default"
    with pytest.raises(ValueError, match="backslash"):
        sql_literal("s3://bucket/a\\'; drop table x; --")


@pytest.mark.parametrize("column", ["Order_Id", "order id", "x); drop table y; --", ""])
def test_column_names_that_are_not_plain_identifiers_are_refused(column):
    with pytest.raises(ValueError, match="identifier"):
        copy_parquet_sql("load_orders", [column], "s3://b/m.json", ROLE)


def test_the_redshift_manifest_lists_each_file_with_its_size():
    assert redshift_manifest([("s3://b/p/a.parquet", 1234), ("s3://b/p/b.parquet", 5)]) == {
        "entries": [
            {"url": "s3://b/p/a.parquet", "mandatory": True, "meta": {"content_length": 1234}},
            {"url": "s3://b/p/b.parquet", "mandatory": True, "meta": {"content_length": 5}},
        ]
    }


def test_a_load_is_create_delete_copy_into_a_temp_table_insert_and_count():
    manifest = _manifest([DataFile("attempt-1/part-00000.parquet", 3, 900, "a" * 64)])

    statements = load_statements(manifest, "s3://b/p/_redshift_manifest.json", ROLE)

    assert statements == [
        "create table if not exists staging.lake_orders (\n"
        "    order_id varchar(65535),\n"
        "    items_revenue numeric(14,2),\n"
        "    purchased_at timestamptz,\n"
        "    _ingest_date date not null,\n"
        "    _run_id varchar(65535) not null\n"
        ")\n"
        "compound sortkey (_ingest_date)",
        "delete from staging.lake_orders where _ingest_date = '2024-03-01'",
        "create temp table load_orders (\n"
        "    order_id varchar(65535),\n"
        "    items_revenue numeric(14,2),\n"
        "    purchased_at timestamptz\n"
        ")",
        "copy load_orders (order_id, items_revenue, purchased_at)\n"
        "from 's3://b/p/_redshift_manifest.json'\n"
        f"iam_role '{ROLE}'\n"
        "format as parquet\n"
        "manifest",
        "insert into staging.lake_orders"
        " (order_id, items_revenue, purchased_at, _ingest_date, _run_id)\n"
        "select order_id, items_revenue, purchased_at, '2024-03-01'::date,"
        " 'scheduled__2024-03-01T00:00:00+00:00'\n"
        "from load_orders",
        "drop table load_orders",
        "select count(*) from staging.lake_orders where _ingest_date = '2024-03-01'",
    ]


@pytest.mark.parametrize("role", [ROLE, "default"])
def test_the_load_statements_parse_as_redshift_sql(role):
    manifest = _manifest([DataFile("attempt-1/part-00000.parquet", 3, 900, "a" * 64)])
    config = FluffConfig(overrides={"dialect": "redshift", "templater": "raw"})

    for statement in load_statements(manifest, "s3://b/p/_redshift_manifest.json", role):
        assert not isinstance(sqlglot.parse_one(statement, read="redshift"), exp.Command)
        sqlfluff.parse(f"{statement};", config=config)


def test_an_empty_partition_only_clears_its_day():
    statements = load_statements(_manifest([]), None, ROLE)

    assert [s.split("\n")[0] for s in statements] == [
        "create table if not exists staging.lake_orders (",
        "delete from staging.lake_orders where _ingest_date = '2024-03-01'",
        "select count(*) from staging.lake_orders where _ingest_date = '2024-03-01'",
    ]


def test_psycopg_placeholders_become_data_api_parameters():
    sql, parameters = data_api_sql(
        "select count(*) from t where d = %(day)s and name like 'a%%'"
        " and flag = %(flag)s and amount > %(amount)s and d <= %(day)s",
        {"day": dt.date(2024, 3, 1), "flag": False, "amount": Decimal("9.99"), "unused": 1},
    )

    assert sql == (
        "select count(*) from t where d = :day and name like 'a%'"
        " and flag = :flag and amount > :amount and d <= :day"
    )
    assert parameters == [
        {"name": "day", "value": "2024-03-01"},
        {"name": "flag", "value": "false"},
        {"name": "amount", "value": "9.99"},
    ]


def test_without_parameters_the_sql_is_sent_as_written():
    assert data_api_sql("select '100%%'", None) == ("select '100%%'", [])


@pytest.mark.parametrize(
    ("sql", "params", "error", "message"),
    [
        ("select %s", {"a": 1}, ValueError, "positional"),
        ("select %(a)s", {"b": 1}, KeyError, "'a'"),
        ("select %(a)s", {"a": None}, TypeError, "NoneType"),
        ("select %(a)s", {"a": ""}, ValueError, "null or empty"),
        ("select %(a-b)s", {"a-b": 1}, ValueError, "not allowed"),
    ],
)
def test_parameters_the_data_api_cannot_carry_are_refused(sql, params, error, message):
    with pytest.raises(error, match=message):
        data_api_sql(sql, params)


@pytest.mark.parametrize(
    ("field", "type_name", "expected"),
    [
        ({"isNull": True}, "int4", None),
        ({"longValue": 42}, "int8", 42),
        ({"doubleValue": -23.55}, "float8", -23.55),
        ({"booleanValue": False}, "bool", False),
        ({"stringValue": "São Paulo"}, "varchar", "São Paulo"),
        ({"stringValue": "1234.50"}, "numeric", Decimal("1234.50")),
        ({"stringValue": "2017-11-24"}, "date", dt.date(2017, 11, 24)),
        (
            {"stringValue": "2017-11-24 13:05:07.5"},
            "timestamp",
            dt.datetime(2017, 11, 24, 13, 5, 7, 500000),
        ),
        (
            {"stringValue": "2017-11-24 13:05:07+00"},
            "timestamptz",
            dt.datetime(2017, 11, 24, 13, 5, 7, tzinfo=dt.UTC),
        ),
        ({"blobValue": b"\x00\x01"}, "varbyte", b"\x00\x01"),
    ],
)
def test_data_api_fields_become_python_values(field, type_name, expected):
    assert python_value(field, type_name) == expected


# --- The Data API, stubbed ---------------------------------------------------------------------


@pytest.fixture
def data_api():
    client = boto3.client(
        "redshift-data",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _warehouse(client, **options) -> RedshiftWarehouse:
    target = {"cluster_identifier": "olist-warehouse", "database": "olist", "db_user": "pipeline"}
    return RedshiftWarehouse(client, iam_role=ROLE, poll_interval=0, **{**target, **options})


def _expect_batch(stubber, sqls, target=CLUSTER, statement_id=BATCH_ID):
    stubber.add_response("batch_execute_statement", {"Id": statement_id}, {**target, "Sqls": sqls})


def _expect_status(stubber, status, statement_id=BATCH_ID, **description):
    stubber.add_response(
        "describe_statement",
        {"Id": statement_id, "Status": status, **description},
        {"Id": statement_id},
    )


def test_a_script_is_one_batch_polled_until_it_finishes(data_api):
    client, stubber = data_api
    script = ["create table t (a int)", "insert into t values (1)"]
    _expect_batch(stubber, script)
    for status in ("SUBMITTED", "PICKED", "STARTED", "FINISHED"):
        _expect_status(stubber, status)

    _warehouse(client).run_script(script)


def test_schemas_are_created_in_a_serverless_workgroup(data_api):
    client, stubber = data_api
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:olist-redshift"
    workgroup = {"WorkgroupName": "olist", "Database": "olist", "SecretArn": secret}
    _expect_batch(
        stubber,
        [f"create schema if not exists {s}" for s in ("staging", "core", "marts", "audit")],
        target=workgroup,
    )
    _expect_status(stubber, "FINISHED")

    _warehouse(
        client, cluster_identifier=None, db_user=None, workgroup_name="olist", secret_arn=secret
    ).create_schemas()


def test_a_failed_statement_raises_with_redshifts_message_and_the_statement(data_api):
    client, stubber = data_api
    script = ["create table t (a int)", "insert into t values ('x')"]
    _expect_batch(stubber, script)
    _expect_status(
        stubber,
        "FAILED",
        Error='ERROR: invalid input syntax for integer: "x"',
        SubStatements=[
            {"Id": f"{BATCH_ID}:1", "Status": "FINISHED", "QueryString": script[0]},
            {
                "Id": f"{BATCH_ID}:2",
                "Status": "FAILED",
                "QueryString": script[1],
                "Error": 'ERROR: invalid input syntax for integer: "x"',
            },
        ],
    )

    with pytest.raises(RedshiftStatementError) as raised:
        _warehouse(client).run_script(script)

    assert raised.value.message == 'ERROR: invalid input syntax for integer: "x"'
    assert raised.value.sql == "insert into t values ('x')"
    assert "FAILED" in str(raised.value)
    assert 'invalid input syntax for integer: "x"' in str(raised.value)


def test_a_statement_still_running_at_the_timeout_is_cancelled(data_api):
    client, stubber = data_api
    _expect_batch(stubber, ["select 1"])
    _expect_status(stubber, "STARTED")
    stubber.add_response("cancel_statement", {"Status": True}, {"Id": BATCH_ID})

    with pytest.raises(TimeoutError, match="cancelled"):
        _warehouse(client, timeout=0).run_script(["select 1"])


def test_a_script_longer_than_one_data_api_batch_is_refused_before_any_call(data_api):
    client, _ = data_api
    with pytest.raises(ValueError, match=f"at most {MAX_BATCH_STATEMENTS}"):
        _warehouse(client).run_script(["select 1"] * (MAX_BATCH_STATEMENTS + 1))
    _warehouse(client).run_script([])  # nothing to run, nothing sent


def test_a_query_sends_parameters_and_reads_every_page_as_python_values(data_api):
    client, stubber = data_api
    statement_id = "1b5f7e0c-3a2d-4e6f-9a8b-7c6d5e4f3a2b"
    stubber.add_response(
        "execute_statement",
        {"Id": statement_id},
        {
            **CLUSTER,
            "Sql": "select order_id, items_revenue, is_on_time from t where d = :day",
            "Parameters": [{"name": "day", "value": "2024-03-01"}],
        },
    )
    _expect_status(stubber, "STARTED", statement_id)
    _expect_status(stubber, "FINISHED", statement_id, HasResultSet=True)
    columns = [
        {"name": "order_id", "typeName": "varchar"},
        {"name": "items_revenue", "typeName": "numeric"},
        {"name": "is_on_time", "typeName": "bool"},
    ]
    stubber.add_response(
        "get_statement_result",
        {
            "Records": [[{"stringValue": "a"}, {"stringValue": "10.50"}, {"booleanValue": True}]],
            "ColumnMetadata": columns,
            "NextToken": "page-2",
        },
        {"Id": statement_id},
    )
    stubber.add_response(
        "get_statement_result",
        {"Records": [[{"stringValue": "b"}, {"isNull": True}, {"isNull": True}]]},
        {"Id": statement_id, "NextToken": "page-2"},
    )

    rows = _warehouse(client).query(
        "select order_id, items_revenue, is_on_time from t where d = %(day)s",
        {"day": "2024-03-01"},
    )

    assert rows == [("a", Decimal("10.50"), True), ("b", None, None)]


def test_a_statement_without_a_result_set_queries_to_no_rows(data_api):
    client, stubber = data_api
    stubber.add_response("execute_statement", {"Id": BATCH_ID}, {**CLUSTER, "Sql": "analyze t"})
    _expect_status(stubber, "FINISHED", HasResultSet=False)

    assert _warehouse(client).query("analyze t") == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({}, "exactly one"),
        ({"cluster_identifier": "c", "workgroup_name": "w"}, "exactly one"),
        ({"workgroup_name": "w", "db_user": "u"}, "db_user"),
    ],
)
def test_the_target_must_be_one_cluster_or_one_workgroup(target, message):
    with pytest.raises(ValueError, match=message):
        RedshiftWarehouse(object(), database="olist", iam_role=ROLE, **target)


def test_the_factory_builds_the_client_from_the_airflow_aws_connection(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_AWS_TEST",
        json.dumps({"conn_type": "aws", "extra": {"region_name": "sa-east-1"}}),
    )

    warehouse = redshift_warehouse_from(
        "olist_aws_test", workgroup_name="olist", database="olist", iam_role="default"
    )

    assert warehouse.client.meta.service_model.service_name == "redshift-data"
    assert warehouse.client.meta.region_name == "sa-east-1"
    assert warehouse.target == {"WorkgroupName": "olist", "Database": "olist"}


# --- Loading a partition from a lake on S3 ----------------------------------------------------

SCHEMA = pa.schema(
    [
        pa.field("order_id", pa.string(), nullable=False),
        pa.field("items_revenue", pa.decimal128(14, 2), nullable=False),
        pa.field("purchased_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
DAY = "2024-03-01"


def _rows(*ids: str) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "order_id": order_id,
                "items_revenue": Decimal("10.00"),
                "purchased_at": dt.datetime(2024, 2, 29, tzinfo=dt.UTC),
            }
            for order_id in ids
        ],
        schema=SCHEMA,
    )


@pytest.fixture
def s3_lake(s3_client) -> Lake:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    return Lake.from_uri(f"s3://{bucket}/olist", s3_client=s3_client)


def _commit_two_files(lake: Lake) -> Manifest:
    """A partition of two files, as a Spark job with two tasks would commit it."""
    attempt = lake.new_attempt()
    files = [f"{attempt}/part-00000.parquet", f"{attempt}/part-00001.parquet"]
    for path, ids in zip(files, [("a", "b"), ("c",)], strict=True):
        sink = io.BytesIO()
        pq.write_table(_rows(*ids), sink)
        lake.storage.put_bytes(f"processed/orders/ingest_date={DAY}/{path}", sink.getvalue())
    return lake.commit("processed", "orders", DAY, run_id="run-7", files=files, schema=SCHEMA)


def _expect_load(stubber, statements, count):
    _expect_batch(stubber, statements)
    _expect_status(
        stubber,
        "FINISHED",
        SubStatements=[
            {"Id": f"{BATCH_ID}:{n}", "Status": "FINISHED"} for n in range(1, len(statements) + 1)
        ],
    )
    stubber.add_response(
        "get_statement_result",
        {"Records": [[{"longValue": count}]], "ColumnMetadata": [{"typeName": "int8"}]},
        {"Id": f"{BATCH_ID}:{len(statements)}"},
    )


@pytest.mark.integration
def test_a_partition_on_s3_loads_through_a_redshift_manifest_of_its_committed_files(
    s3_lake, s3_client, data_api
):
    client, stubber = data_api
    manifest = _commit_two_files(s3_lake)
    assert [f.rows for f in manifest.files] == [2, 1]
    bucket = s3_lake.storage.bucket
    partition = f"s3://{bucket}/olist/processed/orders/ingest_date={DAY}"
    manifest_uri = f"{partition}/{REDSHIFT_MANIFEST_NAME}"
    statements = load_statements(manifest, manifest_uri, ROLE)
    assert f"from '{manifest_uri}'" in statements[3]
    assert "'2024-03-01'::date, 'run-7'" in statements[4]
    _expect_load(stubber, statements, count=3)

    result = _warehouse(client).load_partition(s3_lake, "orders", DAY)

    assert result == LoadResult("orders", DAY, 3)
    written = json.loads(
        s3_lake.storage.get_bytes(manifest_uri.removeprefix(f"s3://{bucket}/olist/"))
    )
    keys = [f"olist/processed/orders/ingest_date={DAY}/{f.path}" for f in manifest.files]
    sizes = [s3_client.head_object(Bucket=bucket, Key=key)["ContentLength"] for key in keys]
    assert written == {
        "entries": [
            {"url": f"s3://{bucket}/{key}", "mandatory": True, "meta": {"content_length": size}}
            for key, size in zip(keys, sizes, strict=True)
        ]
    }
    # The Redshift manifest is not a lake partition, and the lake's next commit removes it.
    assert s3_lake.partitions("processed", "orders") == [DAY]
    with s3_lake.write_parquet("processed", "orders", DAY, SCHEMA, run_id="run-8") as writer:
        writer.write_table(_rows("d"))
    assert not any(
        key.endswith(REDSHIFT_MANIFEST_NAME) for key in s3_lake.storage.list("processed/orders/")
    )


@pytest.mark.integration
def test_a_row_count_that_differs_from_the_lake_manifest_fails_the_load(s3_lake, data_api):
    client, stubber = data_api
    with s3_lake.write_parquet("processed", "orders", DAY, SCHEMA, run_id="run-1") as writer:
        writer.write_table(_rows("a", "b"))
    manifest = s3_lake.manifest("processed", "orders", DAY)
    uri = f"{s3_lake.partition_uri('processed', 'orders', DAY)}/{REDSHIFT_MANIFEST_NAME}"
    _expect_load(stubber, load_statements(manifest, uri, ROLE), count=1)

    with pytest.raises(RuntimeError, match="loaded 1 rows, the manifest says 2"):
        _warehouse(client).load_partition(s3_lake, "orders", DAY)


@pytest.mark.integration
def test_an_empty_partition_clears_its_day_without_a_copy(s3_lake, data_api):
    client, stubber = data_api
    # A cleaning job whose tasks all wrote nothing commits no files at all.
    manifest = s3_lake.commit("processed", "orders", DAY, run_id="run-1", files=[], schema=SCHEMA)
    _expect_load(stubber, load_statements(manifest, None, ROLE), count=0)

    assert _warehouse(client).load_partition(s3_lake, "orders", DAY).rows == 0
    assert (
        s3_lake.storage.get_bytes(f"processed/orders/ingest_date={DAY}/{REDSHIFT_MANIFEST_NAME}")
        is None
    )


@pytest.mark.integration
def test_a_missing_partition_is_reported_before_any_statement(s3_lake, data_api):
    client, _ = data_api
    with pytest.raises(FileNotFoundError, match="processed/orders/ingest_date=2024-03-01"):
        _warehouse(client).load_partition(s3_lake, "orders", DAY)


def test_a_local_lake_is_refused_with_a_clear_error(lake, data_api):
    client, _ = data_api
    with lake.write_parquet("processed", "orders", DAY, SCHEMA, run_id="run-1") as writer:
        writer.write_table(_rows("a"))

    with pytest.raises(LakeNotOnS3, match="COPY from S3"):
        _warehouse(client).load_partition(lake, "orders", DAY)
