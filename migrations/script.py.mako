"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from pathlib import Path

from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None

_HERE = Path(__file__).with_suffix("")


def _run(sql: str) -> None:
    # Through the driver with no parameters: Alembic's op.execute would read ":word" as a bind parameter.
    op.get_bind().connection.driver_connection.execute(sql)


def upgrade() -> None:
    _run(_HERE.with_suffix(".sql").read_text(encoding="utf-8"))


def downgrade() -> None:
    _run(_HERE.with_name(_HERE.name + "_down.sql").read_text(encoding="utf-8"))
