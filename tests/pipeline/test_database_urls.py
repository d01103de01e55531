"""One helper turns the platform's libpq URLs into SQLAlchemy's form."""

from __future__ import annotations

from olist_pipeline.database_urls import sqlalchemy_url


def test_a_tcp_server_gets_the_driver_and_may_name_another_database():
    assert (
        sqlalchemy_url("postgresql://shop:s%40cret@db.internal:6543/olist", "airflow")
        == "postgresql+psycopg2://shop:s%40cret@db.internal:6543/airflow"
    )
    assert (
        sqlalchemy_url("postgresql://u:p%40ss@127.0.0.1:5432/warehouse")
        == "postgresql+psycopg2://u:p%40ss@127.0.0.1:5432/warehouse"
    )


def test_a_socket_folder_becomes_a_host_parameter():
    assert (
        sqlalchemy_url("postgresql://postgres@%2Frepo%2F.local%2Fpgdata/olist", "airflow")
        == "postgresql+psycopg2://postgres@/airflow?host=/repo/.local/pgdata"
    )
    assert sqlalchemy_url("postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/warehouse") == (
        "postgresql+psycopg2://postgres@/warehouse?host=/var/run/postgresql"
    )
    assert sqlalchemy_url("postgresql://u@%2Ftmp/w?sslmode=disable") == (
        "postgresql+psycopg2://u@/w?sslmode=disable&host=/tmp"
    )


def test_another_database_s_url_is_left_as_it_is():
    url = "redshift+redshift_connector://u:p@example.com:5439/dev"
    assert sqlalchemy_url(url) == url
