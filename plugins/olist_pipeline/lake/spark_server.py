"""The local stack's Spark: a Spark Connect server that stays up from one run to the next.

A cleaning run that starts its own Spark pays a fixed cost every time: the JVM and the session
(about 3 s here), then a JVM still warming up and code generation for each of its first
queries (the first table of a run took 5.5 s at SCALE=0.01 for 0.3 s of work). A server pays
that once; each run then connects in well under a second and finds the JVM warm. This is what
``CLEAN_RUNNER=spark-connect`` uses, and what docker-compose runs as its ``spark`` service.

At a loopback address (``sc://127.0.0.1:15002``, the default) the runner starts the server on
first use when nothing answers, from this virtualenv's PySpark, and leaves it running: its pid
file and logs are in ``SPARK_CONNECT_HOME`` (default ``data/spark-connect``). ``make spark``
starts it and ``make spark-stop`` stops it (``python -m olist_pipeline.lake.spark_server
start|stop|status``; ``serve`` runs it in the foreground, as docker-compose does). A server
elsewhere (another host or container) is never started here.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
IDENT = "olist"
DRIVER_MEMORY = "2g"
# The server runs batches, not requests that wait on a pause: the throughput collector spends
# less CPU than the JVM's default (G1, which collects beside the work) on two cores; the DAG's
# cleaning at SCALE=1 took about a tenth less time with it (docs/benchmarks.md, sixteenth round).
JAVA_OPTIONS = "-XX:+UseParallelGC"
START_TIMEOUT_SECONDS = 120
LOG_TAIL_LINES = 30


def address(url: str) -> tuple[str, int]:
    """The host and port of a Spark Connect URL (``sc://host:port/;param=value``)."""
    parts = urlsplit(url)
    if parts.scheme != "sc" or not parts.hostname:
        raise ValueError(f"SPARK_CONNECT_URL={url!r} is not a Spark Connect URL (sc://host:port)")
    return parts.hostname, parts.port or 15002


def is_loopback(url: str) -> bool:
    host, _ = address(url)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when something accepts connections at the URL's host and port."""
    try:
        with socket.create_connection(address(url), timeout=timeout):
            return True
    except OSError:
        return False


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _environment(home: Path) -> dict[str, str]:
    environment = dict(os.environ)
    # spark-submit and the Python workers: this virtualenv's
    search_path = [str(Path(sys.executable).parent), environment.get("PATH", os.defpath)]
    environment.update(
        {
            "SPARK_HOME": str(_spark_home()),
            "SPARK_PID_DIR": str(home),
            "SPARK_LOG_DIR": str(home / "logs"),
            "SPARK_IDENT_STRING": IDENT,
            "PATH": os.pathsep.join(search_path),
            "PYSPARK_PYTHON": sys.executable,
        }
    )
    return environment


def start_command(url: str, *, master: str) -> list[str]:
    """The server's ``start-connect-server.sh`` command: the cleaning's local settings, bound
    to the URL's address only."""
    from olist_cleaning.session import local_settings

    host, port = address(url)
    settings = {
        **local_settings(),
        "spark.connect.grpc.binding.address": host,
        "spark.connect.grpc.binding.port": str(port),
    }
    command = [
        str(_spark_home() / "sbin" / "start-connect-server.sh"),
        "--master",
        master,
        "--driver-memory",
        DRIVER_MEMORY,
        "--driver-java-options",
        JAVA_OPTIONS,
    ]
    for name, value in settings.items():
        command += ["--conf", f"{name}={value}"]
    return command


def _log_tail(home: Path) -> str:
    logs = sorted((home / "logs").glob(f"spark-{IDENT}-{SERVER_CLASS}-*.out"))
    if not logs:
        return "(no server log)"
    return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])


@contextmanager
def _locked(home: Path):
    """One starter at a time (two test workers, or two tasks, may ask at once)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_running(url: str, *, master: str, home: Path) -> bool:
    """Make sure a server answers at ``url``; start one when the URL is this machine's and
    nothing answers. True when this call started it."""
    if answers(url):
        return False
    if not is_loopback(url):
        raise ConnectionError(
            f"no Spark Connect server answers at {url}; start it there (docker-compose's"
            " spark service) or set CLEAN_RUNNER=local"
        )
    with _locked(home):
        if answers(url):  # another process started it while this one waited
            return False
        started = subprocess.run(
            start_command(url, master=master),
            env=_environment(home),
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            raise RuntimeError(
                f"the Spark Connect server did not start at {url}:\n"
                f"{started.stdout}{started.stderr}{_log_tail(home)}"
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not answers(url):
            if time.monotonic() > deadline or not _server_pid(home):
                raise RuntimeError(
                    f"the Spark Connect server did not come up at {url}; its log's tail:\n"
                    f"{_log_tail(home)}"
                )
            time.sleep(0.25)
    return True


def _pid_file(home: Path) -> Path:
    return home / f"spark-{IDENT}-{SERVER_CLASS}-1.pid"


def _server_pid(home: Path) -> int | None:
    """The pid the server's pid file names, when that process is alive."""
    try:
        pid = int(_pid_file(home).read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def stop(home: Path) -> bool:
    """Stop the server this home's pid file names; False when none was running."""
    if _server_pid(home) is None:
        return False
    subprocess.run(
        [str(_spark_home() / "sbin" / "stop-connect-server.sh")],
        env=_environment(home),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True


def serve(url: str, *, master: str, home: Path) -> int:
    """Run the server in the foreground until it stops (a container's command)."""
    environment = {**_environment(home), "SPARK_NO_DAEMONIZE": "1"}
    command = start_command(url, master=master)
    return subprocess.run(command, env=environment, check=False).returncode


def main(argv: list[str]) -> int:
    from olist_pipeline.settings import PipelineSettings

    settings = PipelineSettings.from_env()
    url, home = settings.spark_connect_url, settings.spark_connect_home
    command = argv[1] if len(argv) == 2 else ""
    if command == "start":
        started = ensure_running(url, master=settings.spark_master, home=home)
        print(f"Spark Connect server {'started' if started else 'already running'} at {url}")
    elif command == "stop":
        print(f"Spark Connect server {'stopped' if stop(home) else 'was not running'} ({home})")
    elif command == "serve":
        return serve(url, master=settings.spark_master, home=home)
    elif command == "status":
        up = answers(url)
        print(f"Spark Connect server at {url}: {'answers' if up else 'not running'}")
        return 0 if up else 1
    else:
        print("usage: python -m olist_pipeline.lake.spark_server start|stop|status|serve")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
