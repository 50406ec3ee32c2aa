"""Functions: drug_parse, drug_candidates, scoring, load-time helpers

Revision ID: 0002_functions
Revises: 0001_lexicon_schema
"""
from pathlib import Path

from alembic import op

revision = "0002_functions"
down_revision = '0001_lexicon_schema'
branch_labels = None
depends_on = None

_SQL = Path(__file__).with_suffix(".sql")
_DOWN_SQL = Path(__file__).with_name(Path(__file__).stem + "_down.sql")


def _run(sql: str) -> None:
    # Through the driver with no parameters: Alembic's op.execute would read ":word" as a bind parameter.
    op.get_bind().connection.driver_connection.execute(sql)


def upgrade() -> None:
    _run(_SQL.read_text(encoding="utf-8"))


def downgrade() -> None:
    _run(_DOWN_SQL.read_text(encoding="utf-8"))
