"""Every SQL model parses as the SQL of the warehouse it is rendered for.

No Redshift runs in the tests, so a Redshift-only branch of a model (DISTKEY, MERGE,
convert_timezone, ...) would otherwise first meet a parser in production. Each model under
``sql/`` is rendered as the pipeline renders it and parsed by two independent parsers for
Redshift (sqlglot and sqlfluff), and by sqlglot for PostgreSQL. The files come from
``Project(...).models``, so a model added later is covered without touching this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlfluff
import sqlglot
from sqlfluff.api.simple import APIParsingError
from sqlfluff.core import FluffConfig
from sqlglot import exp

from olist_pipeline.warehouse.sql_models import Project

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
INGEST_DATE = "2024-03-01"
MODELS = sorted(Project(SQL_DIR, "redshift").models.values(), key=lambda m: (m.layer, m.name))
MODEL_PARAMS = [pytest.param(m.name, id=f"{m.layer}/{m.path.name}") for m in MODELS]


def _numbered(sql: str) -> str:
    return "\n".join(f"{n:4} | {line}" for n, line in enumerate(sql.splitlines(), start=1))


def _assert_sqlglot_parses(name: str, dialect: str) -> None:
    """Each statement parses with sqlglot's ``dialect`` reader into a real statement.

    sqlglot falls back to an opaque ``Command`` for text it does not understand (a misspelt
    ``compound sortkey`` included) instead of raising, so a fallback counts as a failure.
    """
    project = Project(SQL_DIR, dialect)
    path = project.models[name].path.relative_to(SQL_DIR.parent)
    statements = project.statements(name, ingest_date=INGEST_DATE)
    assert statements, f"{path} renders no statement for {dialect}"
    for number, statement in enumerate(statements, start=1):
        try:
            parsed = sqlglot.parse_one(statement, read=dialect)
        except sqlglot.errors.ParseError as error:
            pytest.fail(
                f"{path} ({dialect}), statement {number} does not parse: {error}\n"
                f"{_numbered(statement)}"
            )
        if isinstance(parsed, exp.Command):
            pytest.fail(
                f"{path} ({dialect}), statement {number}: sqlglot does not understand it"
                f" (it fell back to an opaque command)\n{_numbered(statement)}"
            )


@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_a_model_parses_as_redshift_sql_for_sqlglot(name):
    _assert_sqlglot_parses(name, "redshift")


@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_a_model_parses_as_postgres_sql_for_sqlglot(name):
    _assert_sqlglot_parses(name, "postgres")


@pytest.mark.parametrize("name", MODEL_PARAMS)
def test_a_model_parses_as_redshift_sql_for_sqlfluff(name):
    project = Project(SQL_DIR, "redshift")
    path = project.models[name].path.relative_to(SQL_DIR.parent)
    sql = project.render(name, ingest_date=INGEST_DATE)
    # The rendered text, as is: no templater and no repository configuration, only the dialect.
    config = FluffConfig(overrides={"dialect": "redshift", "templater": "raw"})
    try:
        sqlfluff.parse(sql, config=config)
    except APIParsingError as error:
        pytest.fail(f"{path} (redshift) does not parse for sqlfluff: {error}\n{_numbered(sql)}")


def test_every_sql_file_is_a_model_and_so_parametrises_the_tests_above():
    """An empty or partial model list would make the tests above silently vanish."""
    files = sorted(str(p.relative_to(SQL_DIR)) for p in SQL_DIR.glob("*/*.sql"))
    models = sorted(str(m.path.relative_to(SQL_DIR)) for m in MODELS)
    assert "staging" in {m.layer for m in MODELS}
    assert models == files, "a .sql file outside staging/, core/ or marts/, or a duplicate name"
