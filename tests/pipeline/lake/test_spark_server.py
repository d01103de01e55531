"""The local stack's Spark Connect server: where it is, when it is started, and by whom."""

from __future__ import annotations

import subprocess

import pytest

from olist_pipeline.lake import spark_server


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("sc://127.0.0.1:15002", ("127.0.0.1", 15002)),
        ("sc://spark:15003/;session_id=x", ("spark", 15003)),
        ("sc://localhost", ("localhost", 15002)),
    ],
)
def test_the_server_address_comes_from_the_url(url, where):
    assert spark_server.address(url) == where


def test_a_url_of_another_scheme_is_refused_by_name():
    with pytest.raises(ValueError, match="SPARK_CONNECT_URL='http://spark:15002'"):
        spark_server.address("http://spark:15002")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("sc://127.0.0.1:15002", True),
        ("sc://localhost:15002", True),
        ("sc://[::1]:15002", True),
        ("sc://spark:15002", False),
        ("sc://10.0.0.5:15002", False),
    ],
)
def test_only_a_loopback_server_is_this_machine_s_to_start(url, loopback):
    assert spark_server.is_loopback(url) is loopback


def test_a_server_elsewhere_that_does_not_answer_is_an_error_not_a_start(tmp_path):
    with pytest.raises(
        ConnectionError, match=r"no Spark Connect server answers at sc://spark\.invalid"
    ):
        spark_server.ensure_running("sc://spark.invalid:15002", master="local[1]", home=tmp_path)
    assert not (tmp_path / "logs").exists()


def test_the_server_binds_the_url_s_address_with_the_cleaning_s_settings():
    command = spark_server.start_command("sc://127.0.0.1:15123", master="local[2]")
    assert command[0].endswith("sbin/start-connect-server.sh")
    assert command[1:3] == ["--master", "local[2]"]
    assert command[command.index("--driver-java-options") + 1] == "-XX:+UseParallelGC"
    assert "spark.connect.grpc.binding.address=127.0.0.1" in command
    assert "spark.connect.grpc.binding.port=15123" in command
    assert "spark.sql.ansi.enabled=true" in command
    assert "spark.sql.session.timeZone=UTC" in command
    assert "spark.sql.codegen.cache.maxEntries=500" in command


@pytest.mark.integration
def test_a_running_server_is_used_as_it_is_and_stopped_by_its_home(spark_connect, tmp_path):
    url, home = spark_connect
    assert spark_server.answers(url)
    assert spark_server.ensure_running(url, master="local[2]", home=home) is False
    assert spark_server.stop(tmp_path) is False  # nothing was started from this home
    assert spark_server.answers(url)


@pytest.mark.integration
def test_the_server_s_jvm_runs_with_the_throughput_collector(spark_connect):
    _, home = spark_connect
    command_line = subprocess.run(
        ["ps", "-ww", "-o", "args=", "-p", str(spark_server._server_pid(home))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    jvm_options = command_line[: command_line.index("org.apache.spark.deploy.SparkSubmit")]
    assert "-XX:+UseParallelGC" in jvm_options
