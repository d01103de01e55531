"""Environment variables for running Airflow on one machine (``make airflow`` / ``make demo``).

``python -m olist_pipeline.orchestration.local_airflow [URLS]`` reads the database roles' URLs
(the JSON object ``python -m config.database_roles urls`` prints: ``owner``, ``extract``,
``loader``, ``bi``; or one URL, used for every connection; as the argument or on stdin) and
prints ``export`` lines for a shell to ``eval``: the metadata database (``airflow``, on the same
server, as the owner: Airflow's migrations create its tables), the classes XCom may carry (the
run's facts) and the connections the DAGs use, as ``AIRFLOW_CONN_*`` variables: the shop as the
extract's read-only role, the warehouse as the loader's (or ``WAREHOUSE_URL`` when it is set) and
the dashboards' read-only BI connection. A variable already set in the environment is left
alone, so a ``.env`` file or a secrets backend wins over these local defaults. Connections never
live in code or in the metadata database.

``python -m olist_pipeline.orchestration.local_airflow login`` prints the UI login.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from olist_pipeline.database_urls import sqlalchemy_url
from olist_pipeline.orchestration.run_facts import DESERIALIZATION_ALLOWLIST
from olist_pipeline.settings import PipelineSettings


def _with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def role_urls(text: str) -> dict[str, str]:
    """The roles' URLs from ``text``: a JSON object by role, or one URL for all of them (the
    owner's, on a server without the roles)."""
    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    url = text.splitlines()[-1]
    warehouse = _with_database(url, "warehouse")
    return {"owner": url, "extract": url, "loader": warehouse, "bi": warehouse}


def airflow_environment(urls: str | Mapping[str, str]) -> dict[str, str]:
    urls = role_urls(urls) if isinstance(urls, str) else urls
    settings = PipelineSettings.from_env()
    connection_variable = "AIRFLOW_CONN_{}".format
    # Another warehouse (WAREHOUSE_URL) is read by the dashboards through that URL too.
    other_warehouse = os.environ.get("WAREHOUSE_URL", "").strip()
    return {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(urls["owner"], "airflow"),
        # The tasks hand each other the run's facts as a dataclass (see run_facts).
        "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES": DESERIALIZATION_ALLOWLIST,
        connection_variable(settings.shop_conn_id.upper()): urls["extract"],
        connection_variable(settings.warehouse_conn_id.upper()): other_warehouse or urls["loader"],
        connection_variable(settings.bi_conn_id.upper()): other_warehouse or urls["bi"],
        # No keys: boto3 finds credentials the usual way (environment, profile, instance role).
        connection_variable(settings.aws_conn_id.upper()): "aws://",
    }


def ensure_admin_password(airflow_home: Path, user: str = "admin") -> str:
    """The UI password of ``user``, created on first use in the file Airflow's simple auth
    manager reads (the same file it would generate), so it can be printed before start-up."""
    path = airflow_home / "simple_auth_manager_passwords.json.generated"
    passwords = json.loads(path.read_text()) if path.exists() else {}
    if user not in passwords:
        passwords[user] = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords))
    return passwords[user]


def main(argv: list[str]) -> int:
    if argv[:1] == ["login"]:
        airflow_home = Path(os.environ["AIRFLOW_HOME"])
        print(f"user admin, password {ensure_admin_password(airflow_home)}")
        return 0
    for name, value in airflow_environment(argv[0] if argv else sys.stdin.read()).items():
        if not os.environ.get(name):
            print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
