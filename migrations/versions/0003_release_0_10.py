"""Release 0.10: code in the schema under one namespace, stamped hanzi data, release history

Revision ID: 0003_release_0_10
Revises: 0002_functions
"""
from pathlib import Path

from alembic import op

revision = "0003_release_0_10"
down_revision = "0002_functions"
branch_labels = None
depends_on = None

_HERE = Path(__file__).parent


def _run(name: str) -> None:
    # Through the driver with no parameters: Alembic's op.execute would read ":word" as a bind parameter.
    op.get_bind().connection.driver_connection.execute((_HERE / name).read_text(encoding="utf-8"))


def _load_hanzi() -> None:
    # The stamped data file of this release (pinyin readings, traditional->simplified), not whatever
    # pypinyin/OpenCC happen to be installed: the same release gives the same tokens everywhere.
    text = (_HERE.parent / "data" / "hanzi_2.tsv").read_text(encoding="utf-8")
    rows = "".join(line + "\n" for line in text.splitlines() if line and not line.startswith("#"))
    conn = op.get_bind().connection.driver_connection
    conn.execute("DELETE FROM drugnorm.hanzi")
    with conn.cursor().copy("COPY drugnorm.hanzi (ch, simplified, readings) FROM STDIN") as cp:
        cp.write(rows.encode())
    conn.execute("COMMENT ON TABLE drugnorm.hanzi IS 'hanzi data 2'")
    # The per-backend caches hold the t2s map: make them reload.
    conn.execute("UPDATE drugnorm.state SET settings_version = settings_version + 1")


def upgrade() -> None:
    _run(revision + "_schema.sql")
    _load_hanzi()
    _run(revision + "_code.sql")
    # Every entry's key by this release's normalization, with what is derived from keys (see the file).
    _run(revision + "_rekey.sql")


def downgrade() -> None:
    # Keys stay as 0.10 computed them (README, Upgrading: Rolling back).
    _run(revision + "_schema_down.sql")
    _run(revision + "_code_down.sql")
