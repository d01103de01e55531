"""docker-compose.yaml and the Dockerfile cannot run here (no Docker engine), so what can be
checked without one is checked: they parse, and everything they name exists in the code."""

import re
import shlex
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SHOP_DIR = ROOT / "django_project"  # the image's working directory


def shell_words(command: str) -> list[list[str]]:
    """The simple commands inside a compose ``sh -c "a && exec b"`` line."""
    inner = shlex.split(command)[-1] if command.startswith("sh -c") else command
    return [shlex.split(part.replace("exec ", "", 1)) for part in inner.split("&&")]


def test_every_service_command_names_existing_code():
    manage_commands = set(get_commands())
    checked = 0
    for name, service in COMPOSE["services"].items():
        for words in shell_words(service.get("command", "")) if "command" in service else []:
            checked += 1
            if words[:2] == ["python", "manage.py"]:
                assert words[2] in manage_commands, (name, words)
            elif words[:2] == ["python", "-m"]:
                # the shop's modules, or the pipeline package's (PYTHONPATH=/app/plugins)
                found = [
                    folder.joinpath(*words[2].split(".")) for folder in (SHOP_DIR, ROOT / "plugins")
                ]
                assert any(m.with_suffix(".py").exists() or m.is_dir() for m in found), words
            elif words[0] == "airflow":
                assert words[1:] in (["db", "migrate"], ["standalone"]), (name, words)
            elif words[0] == "gunicorn":
                assert (SHOP_DIR / words[1].replace(".", "/")).with_suffix(".py").exists()
                assert (SHOP_DIR / words[words.index("-c") + 1]).exists()
            else:
                raise AssertionError(f"unexpected command in service {name}: {words}")
    assert checked >= 4


def test_images_serve_what_the_compose_file_runs():
    stages = dict(re.findall(r"^FROM \S+ AS (\w+)$(.*?)(?=^FROM |\Z)", DOCKERFILE, re.M | re.S))
    for service in COMPOSE["services"].values():
        if "build" in service:
            assert service["build"]["target"] in stages
    shop_cmd = re.search(r"^CMD (\[.*\])$", stages["shop"], re.MULTILINE).group(1)
    assert yaml.safe_load(shop_cmd)[:2] == ["gunicorn", "config.wsgi"]
    assert "WORKDIR /app/django_project" in stages["base"]
    # Airflow finds the DAGs and plugins in its home's default folders.
    assert "ENV AIRFLOW_HOME=/app" in stages["pipeline"]
    assert {"COPY dags /app/dags", "COPY plugins /app/plugins"} <= set(
        stages["pipeline"].splitlines()
    )
    for source in re.findall(r"^COPY (\S+)", DOCKERFILE, re.MULTILINE):
        assert (ROOT / source).exists(), source


def test_one_uv_version_everywhere():
    pinned = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert f"uv=={pinned}" in DOCKERFILE
    assert f'required-version = "=={pinned}"' in (ROOT / "pyproject.toml").read_text()


def test_settings_the_stack_passes_are_documented():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    for service in COMPOSE["services"].values():
        # the postgres and metabase images' own settings
        passed = {
            name
            for name in service.get("environment", {})
            if name not in {"POSTGRES_HOST_AUTH_METHOD", "POSTGRES_DB"}
            and not name.startswith("MB_")
        }
        assert passed <= documented, passed - documented


def test_every_setting_the_code_reads_is_in_env_example():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    pattern = re.compile(
        r"""(?:environ\.get|environ\[|getenv|env_str|env_with_default|env_bool|env_int|env_list|_get)\(?\s*["']([A-Z_]+)["']"""
    )
    read = {
        name
        for folder in (
            SHOP_DIR,
            ROOT / "benchmarks",
            ROOT / "plugins",
            ROOT / "glue_jobs",
            ROOT / "dags",
        )
        for path in folder.rglob("*.py")
        for name in pattern.findall(path.read_text())
    }
    assert read, "the pattern found no setting at all"
    assert read - {"DJANGO_SETTINGS_MODULE", "AIRFLOW_HOME"} <= documented, read - documented


def test_every_airflow_lets_the_tasks_hand_over_the_run_s_facts():
    from olist_pipeline.orchestration.run_facts import DESERIALIZATION_ALLOWLIST

    option = "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES"
    assert COMPOSE["services"]["airflow"]["environment"][option] == DESERIALIZATION_ALLOWLIST
    example = re.search(rf'^{option}="(.*)"$', (ROOT / ".env.example").read_text(), re.M)
    assert example and example.group(1) == DESERIALIZATION_ALLOWLIST
