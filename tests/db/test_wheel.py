"""A real package: the built wheel, installed (not editable) into a fresh venv, initialises a database
with its own migrations and bundled lexicon and parses with it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert res.returncode == 0, f"{cmd}: {res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory):
    """Build the wheel once per test run and install it into a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(base),
          str(ROOT)])
    wheel = next(base.glob("drugnorm_admin-*.whl"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    return venv


def _env():
    # Nothing of the checkout on the path: the venv's own package must do everything.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DRUGNORM_DSN")}


def test_the_wheel_carries_migrations_and_lexicon_and_no_checkout_paths(wheel_venv, tmp_path):
    out = _run([str(wheel_venv / "bin" / "python"), "-c",
                "import json; from drugnorm_admin import paths, migrate, __version__; "
                "print(json.dumps([paths.IN_CHECKOUT, str(paths.MIGRATIONS_DIR), migrate.head(), __version__]))"],
               cwd=tmp_path, env=_env())
    in_checkout, migrations, head, version = json.loads(out.stdout)
    assert not in_checkout and migrations.startswith(str(wheel_venv))
    from drugnorm_admin import __version__, migrate
    assert (head, version) == (migrate.head(), __version__)


def test_the_wheel_carries_the_facts_it_shares_with_the_server_code(wheel_venv, tmp_path):
    """plpython/ is no part of the wheel; its fact modules that the admin imports are (drugnorm_admin/facts.py)."""
    out = _run([str(wheel_venv / "bin" / "python"), "-c",
                "import json; from drugnorm_admin import facts, forms; "
                "print(json.dumps([facts.dosage_forms.__file__, facts.dosage_forms.SUFFIX_FORMS, "
                "forms.FormRule(['片剂']).stem('注射用盐酸伊立替康')]))"],
               cwd=tmp_path, env=_env())
    path, table, stem = json.loads(out.stdout)
    import dosage_forms
    assert path.startswith(str(wheel_venv)) and path.endswith("drugnorm_admin/plpython/dosage_forms.py")
    assert (table, stem) == (dosage_forms.SUFFIX_FORMS, "盐酸伊立替康")
    carried = Path(path).parent
    assert sorted(p.name for p in carried.iterdir() if p.suffix == ".py") == ["dosage_forms.py"]


def test_the_installed_wheel_initialises_a_database_and_parses(wheel_venv, empty_db, tmp_path):
    cli = str(wheel_venv / "bin" / "drugnorm-admin")
    _run([cli, "--dsn", empty_db, "init"], cwd=tmp_path, env=_env())
    out = _run([cli, "--dsn", empty_db, "parse", "--json", "(立普妥)阿托伐他汀钙片20mg*7片"], cwd=tmp_path,
               env=_env())
    doc = json.loads(out.stdout)
    assert (doc["generic_name"], doc["trade_name"], doc["strength"]) == ("阿托伐他汀钙", "立普妥", "20mg")
    assert "drugnorm-admin 0." in _run([cli, "--version"], cwd=tmp_path, env=_env()).stdout
