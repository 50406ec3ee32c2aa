"""The README's first Quick start command: `drugnorm-admin parse` on the embedded default database,
created on first use, started again after its server was killed, stopped on request."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "drugnorm_admin.cli"]


@pytest.fixture(scope="module")
def home():
    # not under pytest's tmp_path: as root the server runs as `postgres`, which cannot enter /tmp/pytest-of-root
    path = Path(tempfile.mkdtemp(prefix="drugnorm-embedded-test-"))
    yield path
    subprocess.run(CLI + ["embedded", "stop"], env=_env(path), capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DRUGNORM_DSN"}
    env["DRUGNORM_HOME"] = str(home)
    return env


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    res = subprocess.run(CLI + list(args), env=_env(home), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res


def test_first_parse_creates_the_database_and_loads_the_bundled_lexicon(home):
    res = run(home, "parse", "--json", "(立普妥)阿托伐他汀钙片20mg*7片")
    out = json.loads(res.stdout)
    assert (out["trade_name"], out["product_name"], out["dosage_form"]) == ("立普妥", "阿托伐他汀钙片", "片剂")
    assert out["strength"] == "20mg" and out["package"] == "7片"
    assert "first use" in res.stderr
    assert "running" in run(home, "embedded", "status").stdout


def test_parse_starts_the_server_again_after_it_was_killed(home):
    run(home, "parse", "阿莫西林胶囊")
    pid = int((home / "data" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):   # wait until the postmaster is gone; its pid file and socket stay behind
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    assert (home / "data" / "postmaster.pid").exists()
    assert "stopped" in run(home, "embedded", "status").stdout
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["product_name"] == "阿莫西林胶囊"


def test_stop_then_parse_again(home):
    assert "stopped" in run(home, "embedded", "stop").stdout
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["generic_name"] == "阿莫西林"
