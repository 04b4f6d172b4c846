"""The project installs with pip and gives the `incident-map` command, which works from any folder with the data it ships.

The install goes into a throwaway virtual environment that sees this
environment's packages (a .pth file), offline and without build isolation,
so the test needs no network and leaves the shared environment alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib

from tests.helpers import ROOT


def _pins() -> dict[str, str]:
    """requirements.txt as normalised name -> pinned version."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_every_dependency_is_pinned_in_requirements_at_or_above_its_lower_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pins = _pins()
    for requirement in declared:
        name, bound = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([\d.]+)", requirement).groups()
        key = re.sub(r"[-_.]+", "-", name).lower()
        assert key in pins, f"{name} is a dependency in pyproject.toml but not pinned in requirements.txt"
        assert _version(pins[key]) >= _version(bound), f"{name}=={pins[key]} is below pyproject.toml's {requirement}"
    assert project["scripts"] == {"incident-map": "geo.cli:main"}


def test_pip_install_gives_a_working_incident_map_command(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "bench", "tests"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True,
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / site).mkdir(parents=True, exist_ok=True)
    (tmp_path / site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # the dependencies, already installed
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--disable-pip-version-check",
                              "--quiet", "--no-index", "--no-deps", "--no-build-isolation", str(source)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    command = venv / "bin" / "incident-map"
    assert command.exists()
    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items() if key not in ("INCIDENT_MAP_STORE", "XDG_DATA_HOME", "PYTHONPATH")}
    env["HOME"] = str(home)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([command, "validate"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # the default store was created from the shipped events, which the installed package carries
    assert result.stdout == f"{home}/.local/share/incident-map/events.gpkg: 15 events valid (8 mapped, 7 unmapped).\n"
    where = subprocess.run([python, "-c", "import geo; print(geo.DATA_DIR)"], cwd=elsewhere, env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert where == f"{site}/geo/data"
    out = elsewhere / "rally.geojson"
    exported = subprocess.run([command, "export", "geojson", "--type", "rally", "--out", str(out)], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=300)
    assert exported.returncode == 0 and exported.stdout == f"Wrote 1 of 15 events to {out}.\n"
