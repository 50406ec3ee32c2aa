"""The facts the admin shares with the server code, from their one copy in plpython/.

plpython/ holds the modules the server runs (stdlib only, loaded by name from drugnorm.code_modules()).
The ones named here state facts the admin needs too. A checkout reads them from plpython/; the wheel,
which carries no plpython/, has them as drugnorm_admin/plpython/<name>.py (pyproject.toml, py-modules).
They import nothing but the standard library, so they load the same either way (tests/db/test_wheel.py).
"""
from __future__ import annotations

import importlib.util
import sys

from .paths import IN_CHECKOUT, PACKAGE_DIR, PLPYTHON_DIR

SHARED = ("dosage_forms",)   # keep in step with py-modules in pyproject.toml (tests/unit/test_facts.py)


def _load(name: str):
    full = f"drugnorm_admin.plpython.{name}"
    module = sys.modules.get(full)
    if module is None:
        path = (PLPYTHON_DIR if IN_CHECKOUT else PACKAGE_DIR / "plpython") / f"{name}.py"
        spec = importlib.util.spec_from_file_location(full, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[full] = module
    return module


dosage_forms = _load("dosage_forms")
