"""The admin's door to the facts it shares with the server code (drugnorm_admin/facts.py): in a checkout
the modules of plpython/ themselves, and the wheel carries exactly those (tests/db/test_wheel.py)."""
import tomllib
from pathlib import Path

import dosage_forms
from drugnorm_admin import facts

ROOT = Path(__file__).resolve().parents[2]


def test_the_admin_reads_the_servers_copy():
    assert facts.dosage_forms.__file__ == dosage_forms.__file__
    assert facts.dosage_forms.SUFFIX_FORMS == dosage_forms.SUFFIX_FORMS


def test_the_wheel_carries_the_shared_modules_and_no_other_of_plpython():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert tool["package-dir"]["drugnorm_admin.plpython"] == "plpython"
    assert tool["py-modules"] == [f"drugnorm_admin.plpython.{name}" for name in facts.SHARED]
