"""The settings of drugnorm: names, types, built-in defaults and allowed ranges, in this one place.

Defaults live in table ``drugnorm.setting`` and, for a setting without a row there, here (the limits of
0.10, ``max_input`` and ``fuzzy_budget``, have none: an upgrade adds no rows; the owner may INSERT one); a
session overrides any of them with ``SET drugnorm.<name> = …``. A value that is not a number of the setting's type inside its range never
fails a call (through the ``attach`` trigger that would lose the INSERT): an invalid session value is
ignored (the table's value is used), an invalid table value gives way to the built-in default, and each is
reported as a one-line warning naming the setting and its range.

>>> values, problems = typed({"k": "10"}, {"k": "ten", "a": "0.9"})
>>> values["k"], values["a"], problems
(10, 0.9, ["drugnorm.k = 'ten' ignored: must be an integer from 0 to 1000; using 10"])
"""
from __future__ import annotations

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
    "candidate_limit":  Spec(int, 25, 1, 10_000),
    "posting_budget":   Spec(int, 8000, 1, 1_000_000),
    "cache_entries":    Spec(int, 20_000, 0, 1_000_000),
    # characters of an input that drug_parse parses; the rest is one `none` segment (see pipeline.py)
    "max_input":        Spec(int, 2000, 1, 100_000),
    # fragments of one input sent to the fuzzy matcher; the rest are `none` segments (see pipeline.py)
    "fuzzy_budget":     Spec(int, 16, 0, 1000),
}
NAMES = tuple(SPECS)


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
