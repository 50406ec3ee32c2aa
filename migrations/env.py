"""Alembic environment: drugnorm-admin passes an open connection; the version table lives in schema drugnorm."""
from alembic import context

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=None,
    version_table="alembic_version",
    version_table_schema="drugnorm",
    transaction_per_migration=False,   # one transaction for the whole upgrade: a failure leaves the old revision
)
with context.begin_transaction():
    context.run_migrations()
