"""deploy/: the systemd units pass ``systemd-analyze verify`` (installed by `make test`) and a parse check, and
tingke.env lists every setting of tingke/settings.py."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

from tingke.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
INSTANCES = {"tingke-relay@.service": "tingke-relay@8001.service", "tingke-worker@.service": "tingke-worker@1.service"}


def localised(folder: Path) -> list[Path]:
    """The units with the install paths pointed at this checkout (verify checks that ExecStart exists)."""
    venv_bin = Path(sys.executable).parent
    out = []
    for unit in UNITS:
        text = unit.read_text()
        text = text.replace("/opt/tingke/.venv/bin", str(venv_bin)).replace("/opt/tingke", str(REPO))
        text = text.replace("/etc/tingke/tingke.env", str(DEPLOY / "tingke.env")).replace("/etc/tingke/", f"{folder}/")
        text = re.sub(r"^(User|Group)=tingke$", r"\1=root", text, flags=re.M)  # no tingke account here
        path = folder / INSTANCES.get(unit.name, unit.name)
        path.write_text(text)
        out.append(path)
    return out


def test_units_are_the_ones_the_deployment_needs() -> None:
    assert {u.name for u in UNITS} == {"tingke.target", "tingke-migrate.service", "tingke-api.service",
                                       "tingke-relay@.service", "tingke-worker@.service"}


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    units = localised(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", *[u.name for u in units]], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unknown" not in result.stderr and "Failed" not in result.stderr, result.stderr


def test_units_parse_and_run_tingke_commands() -> None:
    """The check that runs everywhere: sections and the commands they start."""
    for unit in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
        parser.read_string(unit.read_text())
        assert parser.has_section("Unit"), unit.name
        if unit.suffix == ".service":
            start = parser["Service"]["ExecStart"]
            assert re.fullmatch(r"/opt/tingke/\.venv/bin/tingke (api|relay|worker|migrate)", start), start
            assert "EnvironmentFile=/etc/tingke/tingke.env" in unit.read_text(), unit.name
    api = (DEPLOY / "systemd" / "tingke-api.service").read_text()
    assert "PROMETHEUS_MULTIPROC_DIR=/run/tingke-api" in api and "RuntimeDirectory=tingke-api" in api


def test_env_file_documents_every_setting() -> None:
    text = (DEPLOY / "tingke.env").read_text()
    listed = set(re.findall(r"^#?(TINGKE_[A-Z0-9_]+)=", text, flags=re.M))
    settings = {f"TINGKE_{name.upper()}" for name in Settings.model_fields}
    assert settings - listed == set(), "settings missing from deploy/tingke.env"
    assert listed - settings == set(), "deploy/tingke.env names a setting that does not exist"
    for line in text.splitlines():  # systemd's EnvironmentFile syntax: no quotes, no export
        if line and not line.startswith("#"):
            assert re.fullmatch(r"TINGKE_[A-Z0-9_]+=[^\"']*", line), line
