"""The README's worked example of a DBA's day runs as written: init → import → normalize → report →
review → renormalize, and the pharmacist's decision turns the typo strings into exact synonyms."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

from drugnorm_admin import pgserver

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DAY = re.search(r"## A day with drugnorm\n.*?```sh\n(.*?)\n```", README, flags=re.S).group(1)


def test_the_days_commands_run_as_written(empty_db, tmp_path):
    for name in ("nhsa_sample.csv", "prescriptions.txt"):
        (tmp_path / "tests" / "data").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "tests" / "data" / name, tmp_path / "tests" / "data" / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DRUGNORM_DSN"}
    env["DSN"] = empty_db
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(pgserver.find_bindir()), env["PATH"]])
    res = subprocess.run(["bash", "-euo", "pipefail", "-c", DAY], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    with psycopg.connect(empty_db) as conn:
        rows = conn.execute("SELECT drug_norm->>'product_name', drug_norm->>'status' FROM prescriptions "
                            "WHERE drug_text LIKE '%阿莫西临%'").fetchall()
    assert len(rows) == 3 and set(rows) == {("阿莫西林胶囊", "exact")}
