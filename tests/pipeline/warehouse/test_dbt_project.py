"""The dbt project (sql/): every model compiles for both targets and parses as their SQL; the
configuration picks each adapter's strategy and Redshift's keys; the marts' contracts match
their SQL and their built tables; failures are named.

No Redshift runs in the tests, so a Redshift-only branch of a model (convert_timezone,
json_extract_path_text, dateadd, ...) would otherwise first meet a parser in production. Each
model is compiled by dbt for the ``redshift`` and ``local`` (PostgreSQL) targets, both as a first
build and as an incremental run (a copy of the project whose ``is_incremental()`` answers from a
variable, so no warehouse has to exist), and the compiled SQL is parsed by two independent parsers
for Redshift (sqlglot and sqlfluff), and by sqlglot for PostgreSQL. The model list comes from
the files under ``sql/models/``, so a model added later is covered without touching this file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlfluff
import sqlglot
from sqlfluff.api.simple import APIParsingError
from sqlfluff.core import FluffConfig
from sqlglot import exp

from olist_pipeline.warehouse.dbt import (
    LAYERS,
    DbtFailed,
    DbtProject,
    _calling_module_name,
    model_names,
    profile_env,
)
from olist_pipeline.warehouse.postgres import PostgresWarehouse

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
INGEST_DATE = "2024-03-01"
MODELS = [(layer, name) for layer in LAYERS for name in model_names(SQL_DIR, layer)]
MODEL_PARAMS = [pytest.param(layer, name, id=f"{layer}/{name}") for layer, name in MODELS]
# Connection values that are never used: compiling opens no connection here.
OFFLINE_ENV = {
    "DBT_PG_DATABASE": "warehouse",
    "DBT_REDSHIFT_HOST": "warehouse.example.invalid",
    "DBT_REDSHIFT_CLUSTER_ID": "olist",
    "DBT_REDSHIFT_USER": "dbt",
}
TARGETS = {"redshift": "redshift", "local": "postgres"}  # dbt target -> SQL dialect


def _offline_copy(folder: Path) -> Path:
    """A copy of the project in ``folder`` whose ``is_incremental()`` answers from the variable
    ``compile_incremental``, so it compiles with no warehouse."""
    project_dir = folder / "sql"
    shutil.copytree(SQL_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    (project_dir / "macros" / "is_incremental.sql").write_text(
        '{% macro is_incremental() %}{{ return(var("compile_incremental")) }}{% endmacro %}\n'
    )
    return project_dir


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[tuple[str, bool], dict]:
    """{(target, incremental): {"models": {name: sql}, "manifest": manifest}} for both targets
    and both kinds of run, compiled without a warehouse."""
    project_dir = _offline_copy(tmp_path_factory.mktemp("dbt"))
    results = {}
    for target in TARGETS:
        for incremental in (False, True):
            work_dir = tmp_path_factory.mktemp(f"{target}-{incremental}")
            project = DbtProject(
                project_dir, env={**OFFLINE_ENV, "DBT_TARGET": target}, work_dir=work_dir
            )
            variables = {"ingest_date": INGEST_DATE, "compile_incremental": incremental}
            project.invoke(
                [
                    *("compile", "--no-introspect", "--no-populate-cache"),
                    *("--select", "path:models", "--vars", json.dumps(variables)),
                ]
            )
            folder = project.target_dir / "compiled" / "olist_warehouse" / "models"
            results[target, incremental] = {
                "models": {path.stem: path.read_text() for path in sorted(folder.glob("*/*.sql"))},
                "manifest": json.loads((project.target_dir / "manifest.json").read_text()),
            }
    return results


def _numbered(sql: str) -> str:
    return "\n".join(f"{n:4} | {line}" for n, line in enumerate(sql.splitlines(), start=1))


def _sql(compiled, target: str, incremental: bool, name: str) -> str:
    models = compiled[target, incremental]["models"]
    assert name in models, f"{name} did not compile for {target}"
    return models[name]


def _assert_sqlglot_parses(sql: str, dialect: str, label: str) -> None:
    """The model parses with sqlglot's ``dialect`` reader into a query.

    sqlglot falls back to an opaque ``Command`` for text it does not understand instead of
    raising, so a fallback counts as a failure."""
    try:
        parsed = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as error:
        pytest.fail(f"{label} does not parse: {error}\n{_numbered(sql)}")
    if isinstance(parsed, exp.Command):
        pytest.fail(f"{label}: sqlglot does not understand it\n{_numbered(sql)}")


@pytest.mark.parametrize("incremental", [False, True], ids=["first-build", "incremental"])
@pytest.mark.parametrize(("layer", "name"), MODEL_PARAMS)
def test_a_model_parses_as_the_sql_of_each_target_for_sqlglot(compiled, layer, name, incremental):
    for target, dialect in TARGETS.items():
        label = f"models/{layer}/{name}.sql ({target}, incremental={incremental})"
        _assert_sqlglot_parses(_sql(compiled, target, incremental, name), dialect, label)


@pytest.mark.parametrize(("layer", "name"), MODEL_PARAMS)
def test_a_model_parses_as_redshift_sql_for_sqlfluff(compiled, layer, name):
    # The compiled text, as is: no templater and no repository configuration, only the dialect.
    # A model whose first build and incremental run compile alike is parsed once (sqlfluff's
    # parse of a long model takes seconds).
    config = FluffConfig(overrides={"dialect": "redshift", "templater": "raw"})
    for sql in {_sql(compiled, "redshift", incremental, name) for incremental in (False, True)}:
        try:
            sqlfluff.parse(sql, config=config)
        except APIParsingError as error:
            pytest.fail(f"models/{layer}/{name}.sql (redshift) does not parse: {error}")


def test_every_model_file_is_compiled_so_parametrises_the_tests_above(compiled):
    """An empty or partial model list would make the tests above silently vanish."""
    assert {layer for layer, _ in MODELS} == set(LAYERS)
    for key, result in compiled.items():
        assert sorted(result["models"]) == sorted(name for _, name in MODELS), key


def test_the_targets_differ_only_where_the_warehouses_do(compiled):
    redshift = _sql(compiled, "redshift", True, "fact_sales")
    postgres = _sql(compiled, "local", True, "fact_sales")
    assert "json_extract_path_text(natural_key, 'order_id')" in redshift
    assert "(natural_key::json ->> 'order_id')" in postgres
    assert "convert_timezone('America/Sao_Paulo'" in redshift
    assert "convert_timezone" not in postgres
    # the run's day, from the dbt variable
    assert f"_ingest_date = '{INGEST_DATE}'" in postgres


def test_a_new_day_reaches_the_models_without_a_new_parse(tmp_path):
    """The pipeline passes the run's day in the environment, which dbt's saved parse does not
    depend on (a new --vars would make dbt parse the whole project again): the next day's
    process (a new DbtProject on the same work folder) parses nothing, and its SQL reads the
    new day's partition."""
    project_dir = _offline_copy(tmp_path)
    parsed = {}
    for day in ("2024-03-01", "2024-03-02"):
        project = DbtProject(
            project_dir, env={**OFFLINE_ENV, "DBT_TARGET": "local"}, work_dir=tmp_path / "work"
        )
        project.invoke(
            [
                *("compile", "--no-introspect", "--no-populate-cache", "--select", "stg_orders"),
                *("--vars", json.dumps({"compile_incremental": True})),
            ],
            ingest_date=day,
        )
        folder = project.target_dir / "compiled" / "olist_warehouse" / "models" / "staging"
        assert f"_ingest_date = '{day}'" in (folder / "stg_orders.sql").read_text()
        perf_info = json.loads((project.target_dir / "perf_info.json").read_text())
        parsed[day] = perf_info["parsed_path_count"]
    assert parsed["2024-03-01"] > 0  # the first parse reads every file
    assert parsed["2024-03-02"] == 0  # the next day's reuses it


def test_an_incremental_run_reads_the_days_partition_a_first_build_everything(compiled):
    first = _sql(compiled, "local", False, "dim_customer")
    incremental = _sql(compiled, "local", True, "dim_customer")
    assert "lake_customers" not in first and "lake_customers" in incremental


def _node(compiled, target: str, name: str) -> dict:
    nodes = compiled[target, False]["manifest"]["nodes"]
    return next(n for n in nodes.values() if n["resource_type"] == "model" and n["name"] == name)


def test_each_adapter_gets_its_strategy_and_redshift_its_keys(compiled):
    redshift, postgres = (
        _node(compiled, "redshift", "stg_orders"),
        _node(compiled, "local", "stg_orders"),
    )
    assert redshift["config"]["incremental_strategy"] == "merge"
    assert postgres["config"]["incremental_strategy"] == "delete+insert"
    assert (redshift["config"]["dist"], redshift["config"]["sort"]) == ("order_id", ["order_id"])
    assert _node(compiled, "redshift", "mart_rfm")["config"]["dist"] == "all"
    # models land in the schemas their folders name, on every target
    for target in TARGETS:
        for layer, name in MODELS:
            assert _node(compiled, target, name)["schema"] == layer


def test_every_model_and_column_is_documented(compiled):
    manifest = compiled["local", False]["manifest"]
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        assert node["description"].strip(), f"{node['name']} has no description"
        assert node["columns"], f"{node['name']} documents no column"
        for column in node["columns"].values():
            assert column["description"].strip(), f"{node['name']}.{column['name']}"
    for source in manifest["sources"].values():
        assert source["description"].strip() and source["columns"], source["name"]


# A compiled model's last select: `cast(final.<column> as <type>) as <column>`, one per column.
CAST = re.compile(r"cast\(final\.(\w+) as (.+?)\) as (\w+)")


def _contract(node: dict) -> list[tuple[str, str, bool]]:
    """(column, data_type, not null) in the order ``_marts.yml`` declares them."""
    return [
        (
            column["name"],
            column["data_type"],
            any(constraint["type"] == "not_null" for constraint in column["constraints"]),
        )
        for column in node["columns"].values()
    ]


def test_every_mart_has_a_contract_and_casts_to_its_types(compiled):
    """The marts are what Metabase and the dashboards read: each enforces a contract (every
    column's type, not_null constraints), and its SQL casts every column to exactly the
    contract's type (its ``columns`` mapping), so the unit tests, which run the SQL alone, see
    the values as the table stores them. A type changed in one place only fails here."""
    for target in TARGETS:
        for layer, name in MODELS:
            if layer != "marts":
                continue
            node = _node(compiled, target, name)
            assert node["contract"]["enforced"], name
            declared = [(column, data_type) for column, data_type, _ in _contract(node)]
            casts = CAST.findall(compiled[target, False]["models"][name])
            assert [(column, data_type) for column, data_type, _ in casts] == declared, name
            assert all(column == alias for column, _, alias in casts), name
            assert any(not_null for *_, not_null in _contract(node)), name
            # not null is a constraint (the database checks it as it writes), never also a test
            tests = compiled[target, False]["manifest"]["nodes"].values()
            assert not [
                t["name"]
                for t in tests
                if t["resource_type"] == "test"
                and t.get("attached_node") == node["unique_id"]
                and t["test_metadata"]["name"] == "not_null"
            ], name


@pytest.mark.integration
def test_the_marts_tables_have_their_contracts_types_and_not_null_columns(warehouse_builder):
    """Built on PostgreSQL, every mart's table has the contract's columns in order, each of the
    declared type and NOT NULL exactly where the contract says (compared with a table PostgreSQL
    creates from the contract's own words, so `varchar(32)` and `character varying(32)` agree)."""
    warehouse_builder.run(INGEST_DATE, layers=LAYERS)
    manifest = json.loads((warehouse_builder.project.target_dir / "manifest.json").read_text())
    marts = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    marts = [n for n in marts if n["schema"] == "marts"]
    assert len(marts) == len(model_names(SQL_DIR, "marts"))
    columns_sql = (
        "select attname, format_type(atttypid, atttypmod), attnotnull from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum"
    )
    with psycopg.connect(warehouse_builder.warehouse.url) as conn:
        for node in marts:
            declared = ", ".join(
                f"{column} {data_type}{' not null' if not_null else ''}"
                for column, data_type, not_null in _contract(node)
            )
            conn.execute(f"create temp table contract ({declared})")
            expected = conn.execute(columns_sql, ("contract",)).fetchall()
            built = conn.execute(columns_sql, (f"marts.{node['name']}",)).fetchall()
            conn.execute("drop table contract")
            assert built == expected, node["name"]
            assert any(not_null for *_, not_null in built), node["name"]


def test_profile_env_follows_the_warehouse_url(monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)

    class Local:
        dialect = "postgres"
        url = "postgresql://olist:s%40cret@db.internal:5433/warehouse"

    assert profile_env(Local()) == {
        "DBT_TARGET": "local",
        "DBT_PG_HOST": "db.internal",
        "DBT_PG_PORT": "5433",
        "DBT_PG_USER": "olist",
        "DBT_PG_PASSWORD": "s@cret",
        "DBT_PG_DATABASE": "warehouse",
        "PGOPTIONS": "-c jit=off",
    }
    # a user's own session settings are kept, after ours, so theirs win
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=60s -c jit=on")
    assert profile_env(Local())["PGOPTIONS"] == "-c jit=off -c statement_timeout=60s -c jit=on"

    class Redshift:
        dialect = "redshift"

    assert profile_env(Redshift()) == {"DBT_TARGET": "redshift"}


# Run in a new process, where dbt_common's own _default_source is still in place.
BEHAVIOR_FLAG_SOURCES = """
import json, types
from dbt.adapters.postgres import PostgresAdapter
from dbt_common.behavior_flags import Behavior
from olist_pipeline.warehouse.dbt import _find_behavior_flag_sources_cheaply

def sources():
    adapter = PostgresAdapter.__new__(PostgresAdapter)  # no connection: only its flags
    adapter.config = types.SimpleNamespace(flags={})
    adapter.behavior = [{"name": "a_projects_flag", "default": False, "docs_url": "-"}]
    flags = adapter.behavior._flags
    found = [[flag.name, flag._behavior_change_event.flag_source] for flag in flags]
    # a flag rendered from code compiled from a string, as Jinja's templates are
    scope = {"__name__": "json", "Behavior": Behavior}
    code = "behavior = Behavior([{'name': 'compiled', 'default': False, 'docs_url': '-'}], {})"
    exec(compile(code, "<string>", "exec"), scope)
    return found + [["compiled", scope["behavior"]._flags[0]._behavior_change_event.flag_source]]

dbt_commons = sources()
_find_behavior_flag_sources_cheaply()
print(json.dumps({"dbt_common": dbt_commons, "ours": sources()}))
"""


def test_behavior_flags_are_given_the_module_dbt_common_itself_would_name(tmp_path):
    script = tmp_path / "flag_sources.py"
    script.write_text(BEHAVIOR_FLAG_SOURCES)
    completed = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        check=True,
    )
    sources = json.loads(completed.stdout)
    assert sources["ours"] == sources["dbt_common"]
    # the adapter's own flags and the project's name the module that renders them; code compiled
    # from a string is passed over, so the script's own module is named
    named = dict(sources["ours"])
    assert named.pop("compiled") == "__main__"
    assert len(named) > 1  # the project's flag and at least one of the adapter's
    assert set(named.values()) == {"dbt.adapters.base.impl"}


def _project_with_mart(tmp_path, warehouse_url, in_process, name, sql):
    """A copy of the dbt project with one more mart, ``name`` = ``sql``, on the test warehouse
    (its schemas created), run in this process or, like ``DBT_EXECUTABLE``, as a ``dbt``
    command (another virtualenv's, here this one's)."""
    project_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    (project_dir / "models" / "marts" / f"{name}.sql").write_text(f"{sql}\n")
    warehouse = PostgresWarehouse(warehouse_url)
    warehouse.create_schemas()
    executable = None if in_process else str(Path(sys.executable).with_name("dbt"))
    project = DbtProject(
        project_dir, env=profile_env(warehouse), work_dir=tmp_path / "work", executable=executable
    )
    return warehouse, project


@pytest.mark.integration
@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "dbt-command"])
def test_dbt_sessions_on_the_local_warehouse_run_without_jit(
    tmp_path, warehouse_url, in_process, monkeypatch
):
    monkeypatch.delenv("PGOPTIONS", raising=False)
    warehouse, project = _project_with_mart(
        tmp_path, warehouse_url, in_process, "mart_session", "select current_setting('jit') as jit"
    )
    project.build(["mart_session"], ingest_date="2018-10-01")
    # PostgreSQL's default is on: a session without the profile's options shows it
    assert warehouse.query("select current_setting('jit')") == [("on",)]
    assert warehouse.query("select jit from marts.mart_session") == [("off",)]
    if in_process:  # and the in-process runner names behavior flags' modules without inspect.stack
        from dbt_common.behavior_flags import BehaviorFlagRendered

        assert BehaviorFlagRendered._default_source is _calling_module_name


def test_no_credential_is_written_in_the_profile():
    profile = (SQL_DIR / "profiles.yml").read_text()
    for line in profile.splitlines():
        if line.strip().startswith(("password:", "user:", "host:")):
            assert "env_var(" in line, line


@pytest.mark.integration
@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "dbt-command"])
def test_a_failing_model_is_named_and_leaves_no_table(tmp_path, warehouse_url, in_process):
    warehouse, project = _project_with_mart(
        tmp_path, warehouse_url, in_process, "mart_broken", "select 1 / 0 as ratio"
    )
    with pytest.raises(DbtFailed, match=r"(?s)model mart_broken: error: .*division by zero"):
        project.build(["mart_broken"], ingest_date="2018-10-01", artefacts_dir=tmp_path / "run")
    assert warehouse.query("select to_regclass('marts.mart_broken')") == [(None,)]
    # the failed run's artefacts are kept with the run all the same
    results = json.loads((tmp_path / "run" / "run_results.json").read_text())
    assert [r["status"] for r in results["results"]] == ["error"]
    assert (tmp_path / "run" / "manifest.json").exists()
