"""drugnorm-admin revert VERSION: the lexicon as it was before VERSION, as one new version.

Every load (load-dict, import, review import, revert itself) records in ``drugnorm.entry_history``, entry by
entry, what it added, changed and removed, with the entry as it was before. Reverting VERSION undoes that
version and every later one: for each entry any of them touched, the state before the earliest of them is
put back (an entry they added is removed). The restored entries go through load-dict's validation and its
single transaction, as one new version that records its own history, so a revert can be reverted too.

A version without a recorded history cannot be undone, nor can anything before it: versions loaded before
0.10, made by a migration, or written by hand. ``revert`` then refuses, naming them.
"""
from __future__ import annotations

import json

from . import loader
from .db import AdminError, connect


class RevertError(AdminError):
    pass


def _describe(what) -> str:
    if isinstance(what, str):
        what = json.loads(what)
    what = what or {}
    for key in ("event", "import", "review_import", "revert", "bundled"):
        if key in what:
            v = what[key]
            return f"{key} {v}" if key != "event" else str(v)
    if what.get("files"):
        return "load-dict " + ", ".join(str(f) for f in what["files"])
    return json.dumps(what, ensure_ascii=False)[:80]


def revert(dsn: str, version: int, dry_run: bool = False, log=print) -> loader.Summary:
    with connect(dsn) as conn:
        loader.require_editor(conn)
        if not loader.has_history(conn):
            raise RevertError("this database records no lexicon history (drugnorm.entry_history): "
                              "run drugnorm-admin migrate first; versions loaded before cannot be undone")
        with conn.transaction():
            # the loader's lock, taken before the history is read: no load slips in between
            conn.execute("LOCK TABLE drugnorm.entry IN SHARE ROW EXCLUSIVE MODE")
            rows, remove, undone, expected = _plan(conn, version)
            summary = loader.load_rows(conn, rows, [], log=log, remove=remove, dry_run=dry_run,
                                       note={"revert": version, "undoes": undone})
            if not dry_run:
                _verify(conn, expected)
        if summary.version is not None:
            loader.vacuum(conn)
        return summary


def _plan(conn, version: int):
    latest = conn.execute("""SELECT greatest(s.version, (SELECT max(version) FROM drugnorm.lexicon_version))
                             FROM drugnorm.state s""").fetchone()[0]
    if version <= 0:
        raise RevertError(f"version {version}: there is no lexicon before version 1 to go back to (0 is the "
                          "empty lexicon); revert 1 empties it")
    versions = conn.execute("SELECT version, what FROM drugnorm.lexicon_version WHERE version >= %s "
                            "ORDER BY version", (version,)).fetchall()
    if not versions or versions[0][0] != version:
        raise RevertError(f"no lexicon version {version} (the latest is {latest}; "
                          "SELECT * FROM drugnorm.lexicon_version lists them)")
    missing = [(v, w) for v, w in versions if not (w or {}).get("history")]
    if missing:
        named = "; ".join(f"{v} ({_describe(w)})" for v, w in missing[:5])
        raise RevertError(f"cannot revert to before version {version}: later version(s) recorded no history of "
                          f"what they changed, so they cannot be undone: {named}. Versions loaded before 0.10, "
                          "made by a migration or inserted by hand have none; revert a version after them, "
                          "or load the old state with load-dict")
    hist = conn.execute("""SELECT DISTINCT ON (dict, key) version, op, dict, key, term, standard, generic,
                                  product, dosage_form, source
                           FROM drugnorm.entry_history WHERE version >= %s
                           ORDER BY dict, key, version""", (version,)).fetchall()
    rows, remove, expected = [], [], {}
    for i, (v, op, d, key, term, std, gen, prod, form, src) in enumerate(hist, 1):
        if op == "a":
            remove.append((d, key))
            expected[(d, key)] = None
        else:
            rows.append(loader.Row(f"history of version {v}", i, d, term, std, gen, prod, form, src))
            expected[(d, key)] = (term, std, gen, prod, form, src)
    if rows:     # the terms must still normalize to the keys they had, or the restored entry is another one
        keys = conn.execute("SELECT drugnorm.lexicon_keys(%s::text[], %s::text[])",
                            ([r.term for r in rows], [r.dict for r in rows])).fetchone()[0]
        for r, k, h in zip(rows, keys, (h for h in hist if h[1] != "a")):
            if k != h[3]:
                raise RevertError(f"cannot restore {r.dict} {r.term!r} of version {h[0]}: it normalizes to "
                                  f"{k!r} now, not {h[3]!r} as then (irrelevant characters or the code "
                                  "changed since); nothing was changed")
    return rows, remove, [v for v, _ in versions], expected


def _verify(conn, expected: dict) -> None:
    """After the load: every touched entry is as it was before the version (or absent), else roll back."""
    if not expected:
        return
    dicts = [d for d, _ in expected]
    keys = [k for _, k in expected]
    now = {(d, k): tuple(rest) for d, k, *rest in conn.execute(
        """SELECT e.dict, e.key, e.term, s.term, g.term, p.term, f.term, e.source
           FROM unnest(%s::text[], %s::text[]) AS x(dict, key)
           JOIN drugnorm.entry e ON e.dict = x.dict AND e.key = x.key
           LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
           LEFT JOIN drugnorm.entry g ON g.id = e.generic_id
           LEFT JOIN drugnorm.entry p ON p.id = e.product_id
           LEFT JOIN drugnorm.entry f ON f.id = e.dosage_form_id""", (dicts, keys))}
    for dk, want in expected.items():
        if now.get(dk) != want:
            raise RevertError(f"{dk[0]} {dk[1]!r} would be {now.get(dk)!r}, not {want!r} as before the version; "
                              "the lexicon was changed outside the recorded history; nothing was changed")
