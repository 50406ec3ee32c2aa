"""Where the migrations, the bundled lexicon and (in a checkout) the SQL and PL/Python sources are.

In a checkout they are top-level folders; an installed wheel carries the migrations, the bundled lexicon
and the SQL the admin runs itself (sql/load_checks.sql, sql/scoring_index.sql) as package data
(drugnorm_admin/migrations, drugnorm_admin/bundled_lexicon, drugnorm_admin/sql; see pyproject.toml).
The rest of sql/, and plpython/, exist only in a checkout: codegen freezes them into migrations.
"""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
IN_CHECKOUT = (ROOT / "sql" / "schema.sql").exists() and (ROOT / "migrations" / "env.py").exists()

SQL_DIR = ROOT / "sql"
PLPYTHON_DIR = ROOT / "plpython"
CLIENT_SQL_DIR = SQL_DIR if IN_CHECKOUT else PACKAGE_DIR / "sql"    # the statements drugnorm-admin runs
MIGRATIONS_DIR = ROOT / "migrations" if IN_CHECKOUT else PACKAGE_DIR / "migrations"
DEFAULT_LEXICON_DIR = ROOT / "lexicon" / "default" if IN_CHECKOUT else PACKAGE_DIR / "bundled_lexicon"
