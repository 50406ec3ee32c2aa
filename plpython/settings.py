"""The settings of drugnorm: names, types, built-in defaults and allowed ranges, in this one place.

Defaults live in table ``drugnorm.setting`` and, for a setting without a row there, here (the limits of
0.10, ``max_input`` and ``fuzzy_budget``, have none: an upgrade adds no rows; the owner may INSERT one); a
session overrides any of them with ``SET drugnorm.<name> = …``. A value that is not a number of the setting's type inside its range never
fails a call (through the ``attach`` trigger that would lose the INSERT): an invalid session value is
ignored (the table's value is used), an invalid table value gives way to the built-in default, and each is
reported as a one-line warning naming the setting and its range.

A drugnorm.* name set per database or per role that is no setting (``drugnorm.reveiw_queue``) is ignored
by PostgreSQL in silence; a backend's first call warns about it (``misspelled``). A misspelled name SET in
the session itself cannot be found: PostgreSQL shows such names to no query.

>>> values, problems = typed({"k": "10"}, {"k": "ten", "a": "0.9"})
>>> values["k"], values["a"], problems
(10, 0.9, ["drugnorm.k = 'ten' ignored: must be an integer from 0 to 1000; using 10"])
"""
from __future__ import annotations

import difflib
import math
from typing import NamedTuple


class Spec(NamedTuple):
    kind: type           # int or float
    default: int | float
    lo: int | float
    hi: int | float


SPECS = {
    "a":                Spec(float, 0.4, 0.0, 1.0),
    "k":                Spec(int, 10, 0, 1000),
    "threshold":        Spec(float, 0.0, 0.0, 1.0),
    "accept":           Spec(float, 0.6, 0.0, 1.0),
    "ambiguous_margin": Spec(float, 0.02, 0.0, 1.0),
    "boost_h":          Spec(float, 1.0, 0.0, 100.0),
    "boost_i":          Spec(float, 0.5, 0.0, 100.0),
    "boost_f":          Spec(float, 0.5, 0.0, 100.0),
    "boost_c":          Spec(float, 1.0, 0.0, 100.0),
    "boost_p":          Spec(float, 0.5, 0.0, 100.0),
    "boost_o":          Spec(float, 1.0, 0.0, 100.0),
    "candidate_limit":  Spec(int, 16, 1, 10_000),
    "posting_budget":   Spec(int, 700, 1, 1_000_000),
    "cache_entries":    Spec(int, 20_000, 0, 1_000_000),
    # characters of an input that drug_parse parses; the rest is one `none` segment (see pipeline.py)
    "max_input":        Spec(int, 2000, 1, 100_000),
    # fragments of one input sent to the fuzzy matcher; the rest are `none` segments (see pipeline.py)
    "fuzzy_budget":     Spec(int, 16, 0, 1000),
}
NAMES = tuple(SPECS)
DEFAULTS = {name: spec.default for name, spec in SPECS.items()}
# Settings read elsewhere (review_queue: on/off, by drugnorm.record_review in SQL) and drugnorm's own marker
# of uncommitted lexicon changes (set by its triggers, never by hand): the other known drugnorm.* names.
OTHER_NAMES = ("review_queue",)
INTERNAL_NAMES = ("uncommitted",)
KNOWN = NAMES + OTHER_NAMES

# The drugnorm.* names set per database or per role that apply to this session (ALTER DATABASE ... SET,
# ALTER ROLE ... [IN DATABASE ...] SET): PostgreSQL accepts any name under a custom prefix, and hides such
# names from pg_settings, so a misspelled one would be ignored in silence. Its rows: name, source.
PERSISTENT_SQL = """
SELECT split_part(c, '=', 1) AS name,
       CASE WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 'ALTER ROLE ALL'
            WHEN s.setrole = 0 THEN format('ALTER DATABASE %I', d.datname)
            WHEN s.setdatabase = 0 THEN format('ALTER ROLE %I', r.rolname)
            ELSE format('ALTER ROLE %I IN DATABASE %I', r.rolname, d.datname) END AS source
FROM pg_catalog.pg_db_role_setting s
CROSS JOIN LATERAL unnest(s.setconfig) c
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE c ILIKE 'drugnorm.%'
  AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
  AND s.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user))
ORDER BY 1, 2"""


def describe(name: str) -> str:
    """The allowed values of a setting, as the warnings and the README say them."""
    sp = SPECS[name]
    what = "an integer" if sp.kind is int else "a number"
    return f"{what} from {_show(sp.lo)} to {_show(sp.hi)}"


def _show(x) -> str:
    return f"{x:,}".replace(",", "") if isinstance(x, int) else f"{x:g}"


def check(name: str, value) -> int | float | None:
    """The typed value when ``value`` (text) is valid for the setting, else None."""
    sp = SPECS[name]
    try:
        v = sp.kind(str(value).strip())
    except (TypeError, ValueError):
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v if sp.lo <= v <= sp.hi else None


def misspelled(rows) -> list[str]:
    """One warning for each drugnorm.* name that is not a setting, from rows (name, source) such as
    PERSISTENT_SQL's (mappings or pairs): the name is ignored, so say so, and name the setting it resembles.

    >>> misspelled([("drugnorm.reveiw_queue", "ALTER DATABASE hospital"), ("drugnorm.k", "ALTER ROLE his")])
    ['drugnorm.reveiw_queue (ALTER DATABASE hospital SET) is not a drugnorm setting and is ignored; did you mean drugnorm.review_queue?']
    """
    out = []
    for row in rows:
        name, source = (row["name"], row["source"]) if hasattr(row, "keys") else row
        short = (name[len("drugnorm."):] if name.lower().startswith("drugnorm.") else name).lower()
        if short in KNOWN or short in INTERNAL_NAMES:   # PostgreSQL compares names case-insensitively
            continue
        where = f" ({source} SET)" if source else ""
        near = difflib.get_close_matches(short, KNOWN, n=1, cutoff=0.6)
        hint = f"; did you mean drugnorm.{near[0]}?" if near else f"; the settings are {', '.join(KNOWN)}"
        out.append(f"{name}{where} is not a drugnorm setting and is ignored{hint}")
    return out


def typed(table: dict, session: dict) -> tuple[dict, list[str]]:
    """Typed settings from the table's values overridden by the session's (text, None or '' when not
    set), and the one-line problems met on the way. Every setting of SPECS is in the result."""
    out, problems = {}, []
    for name, sp in SPECS.items():
        value = sp.default
        t = table.get(name)
        if t not in (None, ""):
            v = check(name, t)
            if v is None:
                problems.append(f"drugnorm.setting {name} = {t!r} ignored: must be {describe(name)}; "
                                f"using {_show(sp.default)}")
            else:
                value = v
        s = session.get(name)
        if s not in (None, ""):
            v = check(name, s)
            if v is None:
                problems.append(f"drugnorm.{name} = {s!r} ignored: must be {describe(name)}; using {_show(value)}")
            else:
                value = v
        out[name] = value
    return out, problems
