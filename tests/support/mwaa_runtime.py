"""A stand-in for an MWAA environment's Python: a virtualenv on MWAA's Python version with the
Airflow version and providers MWAA installs, plus the bundle's requirements.txt, built with the
pinned uv and kept under ``.local/mwaa-venv/`` (keyed by what went into it) for the next run.

Airflow's constraints file cannot be downloaded here, so the requirements install without
their ``--constraint`` line: the versions that line would impose are not tested.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

from deploy.package import MWAA_PROVIDED

REPO_ROOT = Path(__file__).resolve().parents[2]
VENVS = REPO_ROOT / ".local" / "mwaa-venv"
INSTALL_TIMEOUT = 900


def _python_version(executable: str) -> str | None:
    try:
        done = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def pinned_uv() -> str:
    """The uv the Makefile uses: the one on PATH when it is the pinned version, else
    .tools/bin/uv (``make install`` creates it)."""
    required = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["uv"]
    version = required["required-version"].removeprefix("==")
    on_path = shutil.which("uv")
    if on_path:
        done = subprocess.run([on_path, "--version"], capture_output=True, text=True, check=False)
        if done.stdout.startswith(f"uv {version} "):
            return on_path
    private = REPO_ROOT / ".tools" / "bin" / "uv"
    if not private.exists():
        raise FileNotFoundError(f"no uv {version} on PATH nor at {private}: run `make install`")
    return str(private)


def find_python(version: str, uv: str) -> str:
    """An interpreter of Python ``version``: uv's choice, else one on PATH, else pyenv's or the
    system's; fails naming what was tried."""
    candidates = []
    found = subprocess.run(
        [uv, "python", "find", version],
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        check=False,
    )
    if found.returncode == 0:
        candidates.append(found.stdout.strip())
    candidates.append(shutil.which(f"python{version}") or f"python{version} on PATH")
    for pattern in (
        f"{Path.home()}/.pyenv/versions/{version}.*/bin/python{version}",
        f"/usr/local/bin/python{version}",
        f"/usr/bin/python{version}",
    ):
        candidates += sorted(glob.glob(pattern), reverse=True)
    for candidate in candidates:
        if _python_version(candidate) == version:
            return candidate
    raise RuntimeError(
        f"MWAA runs Python {version}, and no Python {version} was found here (tried"
        f" {', '.join(candidates)}): install one, e.g. `pyenv install {version}`"
    )


def mwaa_python(requirements: str, runtimes: dict) -> Path:
    """The Python of the MWAA stand-in for ``requirements`` (requirements.txt's text), built on
    first use and reused while the requirements and the runtime stay the same."""
    mwaa = runtimes["mwaa"]
    packages = [
        f"{name}=={mwaa['airflow']}" if name == "apache-airflow" else name for name in MWAA_PROVIDED
    ]
    installed = [line for line in requirements.splitlines() if not line.startswith("--")]
    inputs = "\n".join([mwaa["python"], *packages, *installed])
    key = hashlib.sha256(inputs.encode()).hexdigest()[:16]
    venv = VENVS / key
    python = venv / "bin" / "python"
    complete = venv / ".installed"  # written last: a broken earlier build is built again
    if complete.exists():
        return python
    uv = pinned_uv()
    interpreter = find_python(mwaa["python"], uv)
    shutil.rmtree(VENVS, ignore_errors=True)  # this key's broken build, or earlier keys'
    subprocess.run([uv, "venv", "--quiet", "--python", interpreter, str(venv)], check=True)
    install = subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), *packages, *installed],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(f"installing the MWAA stand-in failed:\n{install.stderr[-4000:]}")
    complete.write_text(inputs + "\n")
    return python


def run_in(python: Path | str, script: str, env: dict[str, str], *args: str) -> str:
    """Run ``script`` with ``python``; its stdout, or an error with its stderr's tail."""
    done = subprocess.run(
        [str(python), "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{python} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout
