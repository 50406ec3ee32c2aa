"""Freeze the current SQL and PL/Python sources into the head migration revision.

    python -m drugnorm_admin.codegen                      # rewrite the head revision's code files
    python -m drugnorm_admin.codegen --check              # exit 1 when they are stale (a test runs this)
    python -m drugnorm_admin.codegen --new 0004_name MSG  # start a new revision (after a release is cut)

A revision NNNN_name from 0003 on is five files: ``NNNN_name.py`` (the Alembic script),
``NNNN_name_schema.sql`` and ``NNNN_name_schema_down.sql`` (the schema change, written by hand while the
revision is unreleased), and two generated files: ``NNNN_name_code.sql`` installs the code of sql/ and
plpython/ (CREATE OR REPLACE, so objects depending on the functions survive), ``NNNN_name_code_down.sql``
puts back the previous revision's code exactly. Functions that appear, disappear or change their result
type between two revisions are dropped on the way that needs it. Released revisions never change
(migrations/RELEASED.tsv); codegen refuses to write them.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from . import releases
from .paths import MIGRATIONS_DIR, PLPYTHON_DIR, SQL_DIR

VERSIONS = MIGRATIONS_DIR / "versions"
# Revisions before the five-file layout: their code is part of their one SQL file.
LEGACY_CODE = {"0002_functions": "0002_functions.sql"}
_PY_TAG = "$drugnorm_py$"
_CODE_TAG = "$drugnorm_code$"

# Every function body starts with this loader. Modules are compiled from drugnorm.code_modules() into
# sys.modules under "drugnorm.<name>" (never bare names, which other PL/Python code may use); a module's
# own "import x" of a sibling goes through an __import__ that loads x on first use, so no load order is
# kept by hand. A new code version (an upgrade in a live backend) reloads everything. Modules compiled by
# drugnorm.compile_code() for this code version and this Python are unmarshalled, not compiled again, and
# then the sources are never read: code_modules() is a 200 KB SQL body, parsed on every call (~3 ms).
_PRELUDE = '''_dn = GD.get("drugnorm_code")
if _dn is None or getattr(_dn, "CODE_VERSION", None) != "{version}":
    import builtins, importlib.util, marshal, sys, types
    _names = frozenset({names})
    _bin, _src = dict(), dict()
    for _r in plpy.execute("SELECT name, magic, code FROM drugnorm.code_cache WHERE code_version = '{version}'"):
        if _r["name"] in _names and _r["magic"] == importlib.util.MAGIC_NUMBER:
            _bin[_r["name"]] = _r["code"]
    def _source(name, _src=_src, _plpy=plpy):
        if not _src:
            _src.update((r["name"], r["source"]) for r in _plpy.execute("SELECT name, source FROM drugnorm.code_modules()"))
        return _src[name]
    for _k in [k for k in sys.modules if k.startswith("drugnorm.")]:
        del sys.modules[_k]
    def _load(name, globals=None, locals=None, fromlist=(), level=0, _names=_names, _bin=_bin, _source=_source,
              _real=builtins.__import__):
        if level or name not in _names:
            return _real(name, globals, locals, fromlist, level)
        full = "drugnorm." + name
        m = sys.modules.get(full)
        if m is None:
            m = types.ModuleType(full)
            m.__file__ = "plpython/" + name + ".py"
            m.__builtins__ = _builtins
            sys.modules[full] = m
            try:
                try:
                    _code = marshal.loads(_bin[name]) if name in _bin else None
                except (EOFError, TypeError, ValueError):
                    _code = None
                exec(_code or compile(_source(name), m.__file__, "exec"), m.__dict__)
            except BaseException:
                del sys.modules[full]
                raise
        return m
    _builtins = dict(vars(builtins), __import__=_load)
    _dn = _load("server")
    _dn.CODE_VERSION = "{version}"
    _dn.load = _load
    GD["drugnorm_code"] = _dn
    GD.pop("drugnorm_backend", None)'''

_PY_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
"""
from pathlib import Path

from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None

_HERE = Path(__file__).parent


def _run(name: str) -> None:
    # Through the driver with no parameters: Alembic's op.execute would read ":word" as a bind parameter.
    op.get_bind().connection.driver_connection.execute((_HERE / name).read_text(encoding="utf-8"))


def upgrade() -> None:
    _run(revision + "_schema.sql")
    _run(revision + "_code.sql")


def downgrade() -> None:
    _run(revision + "_schema_down.sql")
    _run(revision + "_code_down.sql")
'''


def module_sources() -> list[tuple[str, str]]:
    """Every module of plpython/, by name: the loader imports them on demand, so no order is kept."""
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(PLPYTHON_DIR.glob("*.py"))]


def code_version(sources=None) -> str:
    digest = hashlib.sha256()
    for name, src in sources or module_sources():
        digest.update(name.encode() + b"\0" + src.encode() + b"\0")
    for name in ("scoring.sql", "lookup.sql", "functions.sql"):
        digest.update((SQL_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def render() -> str:
    """The code SQL of the current sources: functions, the module bundle, grants."""
    sources = module_sources()
    for name, src in sources:
        for tag in (_PY_TAG, _CODE_TAG):
            if tag in src:
                raise SystemExit(f"plpython/{name}.py contains {tag}, a quoting tag of the frozen SQL")
    version = code_version(sources)
    rows = ",\n".join(f"('{name}', {_PY_TAG}{src}{_PY_TAG})" for name, src in sources)
    template = (SQL_DIR / "functions.sql").read_text(encoding="utf-8")
    body = (template.replace("{{MODULES}}", "VALUES\n" + rows)
            .replace("{{PRELUDE}}", _PRELUDE.format(version=version, names=sorted(name for name, _ in sources)))
            .replace("{{CODE_VERSION}}", version))
    parts = [f"-- code version {version}\n\n"]
    for name in ("scoring.sql", "lookup.sql"):
        parts.append((SQL_DIR / name).read_text(encoding="utf-8") + "\n")
    parts.append(body)
    return "".join(parts)


_FUNCTION = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([\w.]+)\s*\((.*?)\)\s*(RETURNS\s.*?)\s*"
                       r"(?=LANGUAGE\b)", re.S | re.I)


def functions(code_sql: str) -> dict[str, str]:
    """signature (name and argument types, as DROP FUNCTION takes it) -> result type, of a code SQL."""
    out = {}
    for name, args, returns in _FUNCTION.findall(code_sql):
        types = []
        for arg in filter(None, (a.strip() for a in _split_args(args))):
            arg = re.split(r"\s+DEFAULT\s+|\s*=\s*", arg, maxsplit=1, flags=re.I)[0]
            words = arg.split()
            types.append(" ".join(words[1:]) if len(words) > 1 else words[0])
        out[f"{name}({', '.join(types)})"] = " ".join(returns.split())
    return out


def _split_args(args: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in args:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def transition(old_sql: str, new_sql: str) -> str:
    """The code SQL that turns code ``old_sql`` into ``new_sql``: drops what cannot be replaced in place."""
    old, new = functions(old_sql), functions(new_sql)
    drop = sorted(sig for sig in old if sig not in new or old[sig] != new[sig])
    head = "".join(f"DROP FUNCTION IF EXISTS {sig};\n" for sig in drop)
    # Revisions before 0003 used plain CREATE FUNCTION: as a restore target they must replace in place.
    body = re.sub(r"^CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", new_sql, flags=re.M)
    return head + ("\n" if head else "") + body


def revisions() -> list[str]:
    """Revision ids in chain order (they are numbered)."""
    return sorted(p.stem for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def code_file(revision: str) -> Path | None:
    if revision in LEGACY_CODE:
        return VERSIONS / LEGACY_CODE[revision]
    path = VERSIONS / f"{revision}_code.sql"
    return path if path.exists() else None


def previous_code(revision: str) -> str:
    chain = revisions()
    for rev in reversed(chain[:chain.index(revision)]):
        path = code_file(rev)
        if path is not None:
            return path.read_text(encoding="utf-8")
    return ""


def generated(revision: str) -> dict[Path, str]:
    """The two generated files of ``revision`` from the current sources."""
    header = ("-- Generated by drugnorm_admin/codegen.py from sql/ and plpython/; never edit by hand.\n"
              f"-- {{what}} of revision {revision}.\n")
    old, new = previous_code(revision), render()
    return {VERSIONS / f"{revision}_code.sql": header.format(what="Code") + transition(old, new),
            VERSIONS / f"{revision}_code_down.sql":
                header.format(what="Downgrade: the previous revision's code") + transition(new, old)}


def head_revision() -> str:
    return revisions()[-1]


def new_revision(revision: str, message: str) -> list[Path]:
    if not re.fullmatch(r"\d{4}_[a-z0-9_]+", revision):
        raise SystemExit(f"revision id {revision!r}: expected NNNN_lowercase_words")
    head = head_revision()
    if int(revision[:4]) != int(head[:4]) + 1:
        raise SystemExit(f"the next revision after {head} is numbered {int(head[:4]) + 1:04d}")
    if not all(releases.is_released(p) for p in VERSIONS.glob(f"{head}*")):
        raise SystemExit(f"{head} is not released yet: add the change to it (cut a release first to start anew)")
    written = {VERSIONS / f"{revision}.py": _PY_TEMPLATE.format(message=message, revision=revision,
                                                                down_revision=head),
               VERSIONS / f"{revision}_schema.sql": f"-- Schema change of revision {revision}.\n",
               VERSIONS / f"{revision}_schema_down.sql": f"-- Undo the schema change of revision {revision}.\n"}
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    return list(written)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 when the head revision's code is stale")
    ap.add_argument("--revision", help="the revision to write (default: the head revision)")
    ap.add_argument("--new", nargs=2, metavar=("REVISION", "MESSAGE"), help="start a new revision")
    args = ap.parse_args(argv)
    if args.new:
        for path in new_revision(*args.new):
            print(f"wrote {path}")
    revision = args.new[0] if args.new else (args.revision or head_revision())
    released = revision in LEGACY_CODE or any(releases.is_released(p) for p in VERSIONS.glob(f"{revision}*"))
    if revision in LEGACY_CODE:
        if args.check:
            return 0
        raise SystemExit(f"{revision} was released and never changes: put the change in a new revision")
    stale = {path: text for path, text in generated(revision).items()
             if not path.exists() or path.read_text(encoding="utf-8") != text}
    if args.check or released:
        for path in stale:
            fix = ("released, so the change goes into a new revision (codegen --new)" if released
                   else "run python -m drugnorm_admin.codegen")
            print(f"{path.name} is stale: {fix}", file=sys.stderr)
        if released and not args.check:
            raise SystemExit(f"{revision} was released and never changes: put the change in a new revision")
        return 1 if stale else 0
    for path, text in stale.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
