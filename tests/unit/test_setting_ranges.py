"""Settings: one table of names, types, defaults and ranges; nonsense values never fail a call."""
import math

import pytest

import settings


def test_valid_values_are_typed_and_the_session_overrides_the_table():
    values, problems = settings.typed({"k": "10", "a": "0.4"}, {"a": "0.9", "candidate_limit": " 50 "})
    assert (values["k"], values["a"], values["candidate_limit"]) == (10, 0.9, 50)
    assert isinstance(values["k"], int) and isinstance(values["a"], float)
    assert problems == []


def test_every_setting_has_a_value_even_when_nothing_is_set():
    values, problems = settings.typed({}, {})
    assert values == {name: spec.default for name, spec in settings.SPECS.items()} and problems == []


@pytest.mark.parametrize("name, bad", [
    ("k", "ten"), ("k", "-1"), ("k", "2.5"), ("k", "1e9"), ("candidate_limit", "-1"), ("candidate_limit", "0"),
    ("boost_h", "-1e308"), ("boost_h", "1e308"), ("boost_o", "nan"), ("a", "inf"), ("a", "1.5"), ("a", ""),
    ("threshold", "-0.1"), ("posting_budget", "many"), ("cache_entries", "-5"),
])
def test_a_nonsense_session_value_is_ignored_with_a_one_line_message(name, bad):
    values, problems = settings.typed({name: str(settings.SPECS[name].default)}, {name: bad})
    assert values[name] == settings.SPECS[name].default
    if bad == "":          # '' is how PostgreSQL reports a setting that was never SET: not an error
        assert problems == []
        return
    (msg,) = problems
    assert "\n" not in msg and f"drugnorm.{name} = {bad!r} ignored" in msg
    assert settings.describe(name) in msg        # names the allowed range


def test_the_session_falls_back_to_the_table_value_not_the_builtin_default():
    values, problems = settings.typed({"k": "20"}, {"k": "ten"})
    assert values["k"] == 20 and problems[0].endswith("using 20")


def test_a_nonsense_table_value_gives_way_to_the_builtin_default():
    values, problems = settings.typed({"boost_h": "-1"}, {})
    default = settings.SPECS["boost_h"].default
    assert values["boost_h"] == default
    assert problems == [f"drugnorm.setting boost_h = '-1' ignored: must be a number from 0 to 100; using {default:g}"]


def test_ranges_are_sane():
    for name, spec in settings.SPECS.items():
        assert spec.lo <= spec.default <= spec.hi, name
        assert all(math.isfinite(x) for x in (spec.lo, spec.hi)), name
        assert spec.lo >= 0, name      # no setting means anything negative
    assert settings.describe("k") == "an integer from 0 to 1000"
    assert settings.describe("a") == "a number from 0 to 1"
