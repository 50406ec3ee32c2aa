"""Where the project's SQL, PL/Python sources, migrations and bundled lexicon are."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
PLPYTHON_DIR = ROOT / "plpython"
MIGRATIONS_DIR = ROOT / "migrations"
DEFAULT_LEXICON_DIR = ROOT / "lexicon" / "default"
