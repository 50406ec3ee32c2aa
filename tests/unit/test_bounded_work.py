"""Work per input is bounded: only max_input characters are parsed, every step is linear in them, and the
pipeline offers a checkpoint between and within steps where the server lets a pending cancel through."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilex
import pipeline
import segmentation
import server
from settings import DEFAULTS

LEX = minilex.load()
HUGE = {"max_input": 100_000}
SHAPES = {
    "closing brackets": ")", "opening brackets": "(", "latin": "a", "hanzi": "阿莫西林", "digits": "9",
    "specs": "1mgx", "brackets": "(阿)", "symbols": "阿|莫/西、林(", "protected keys": "维生素b1",
    "companies": "百特 上海百特医疗用品有限公司 ", "slashes": "a/", "full width": "Ａ",
}


def no_fuzzy(fragment):
    return []


def test_input_past_max_input_is_one_unmatched_segment_marked_skipped():
    raw = "阿莫西林胶囊 0.25g " + "阿莫西林" * 100
    doc = pipeline.parse(raw, LEX, no_fuzzy, {"max_input": 16})
    assert doc["input"] == raw and doc["product_name"] == "阿莫西林胶囊" and doc["strength"] == "0.25g"
    last = doc["segments"][-1]
    assert last == {"text": raw[16:], "start": 16, "end": len(raw), "match": "none", "attribute": None,
                    "term": None, "standard": None, "skipped": "max_input"}
    assert all(seg["end"] <= 16 for seg in doc["segments"][:-1])
    assert "skipped" not in pipeline.parse(raw[:16], LEX, no_fuzzy, {"max_input": 16})["segments"][-1]


def test_without_a_setting_the_default_max_input_applies():
    doc = pipeline.parse("阿" * (DEFAULTS["max_input"] + 500), LEX, no_fuzzy, {})
    assert doc["segments"][-1]["start"] == DEFAULTS["max_input"] and doc["segments"][-1]["skipped"] == "max_input"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_long_parse_reaches_a_checkpoint_every_few_thousand_characters(shape):
    raw = (SHAPES[shape] * 100_000)[:100_000]
    calls = []
    doc = pipeline.parse(raw, LEX, no_fuzzy, HUGE, checkpoint=lambda: calls.append(1))
    assert doc["input"] == raw
    assert len(calls) >= len(raw) // 4096


def test_a_cancel_at_a_checkpoint_stops_the_parse():
    class Cancelled(Exception):
        pass
    looked_up, calls = [], []

    def checkpoint():
        calls.append(1)
        if len(calls) == 3:
            raise Cancelled
    with pytest.raises(Cancelled):
        pipeline.parse("阿莫西临胶囊 0.25g " * 500, LEX, lambda f: looked_up.append(f) or [], HUGE,
                       checkpoint=checkpoint)
    assert len(calls) == 3 and len(looked_up) < 500


def _trim_reference(s, a, b):
    """The quadratic original: counts the brackets of the span again at every step."""
    while True:
        if a < b and (s[a] in pipeline._EDGE or (s[a] == ")" and s.count("(", a, b) < s.count(")", a, b))):
            a += 1
        elif a < b and (s[b - 1] in pipeline._EDGE or (s[b - 1] == "(" and s.count("(", a, b) > s.count(")", a, b))):
            b -= 1
        else:
            return a, b


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="()a ,|-", max_size=30))
def test_trimming_a_fragment_is_what_it_was_only_linear(s):
    assert pipeline._trim(s, 0, len(s)) == _trim_reference(s, 0, len(s))


def test_trimming_a_hundred_thousand_brackets():
    assert pipeline._trim(")" * 100_000, 0, 100_000) == (100_000, 100_000)
    assert pipeline._trim(")礼来(美国)公司", 0, 9) == (1, 9)
    assert pipeline._trim(",礼来(美国)公司(", 0, 10) == (1, 9)


def _protected_reference(s, keys):
    out, i = [], 0
    ordered = sorted(keys, key=lambda k: (-len(k), k))
    while i < len(s):
        hit = next((i + len(k) for k in ordered if s.startswith(k, i) and segmentation._bounded(s, i, i + len(k), k)),
                   None)
        out.append((i, hit)) if hit else None
        i = hit or i + 1
    return out


def test_protected_matches_are_leftmost_longest_and_not_glued():
    rnd = random.Random(7)
    for _ in range(300):
        keys = {"".join(rnd.choice("ab1(.") for _ in range(rnd.randint(1, 5))) for _ in range(6)}
        index = {}
        for k in sorted(keys, key=lambda k: (-len(k), k)):
            index.setdefault(k[:3], []).append(k)
        s = "".join(rnd.choice("ab1(. 阿") for _ in range(rnd.randint(0, 40)))
        assert segmentation.protected_matches(s, 0, len(s), index) == _protected_reference(s, keys), (s, keys)


class FakePlpy:
    def __init__(self):
        self.executed = []

    def prepare(self, sql, types):
        return sql

    def execute(self, plan, args=None):
        self.executed.append(plan)
        return [{"?column?": 1}]


def test_the_servers_checkpoint_runs_a_query_every_so_often(monkeypatch):
    """Any SPI call checks for interrupts: a pending cancel or statement_timeout fires there."""
    clock = [100.0]
    monkeypatch.setattr(server.time, "monotonic", lambda: clock[0])
    plpy = FakePlpy()
    tick = server._Interrupts(plpy, server.Backend())
    tick()
    assert plpy.executed == []                    # right after the call started: nothing to do
    clock[0] += 1.5 * server._Interrupts.EVERY
    tick()
    tick()
    assert plpy.executed == ["SELECT 1"]
    clock[0] += 10 * server._Interrupts.EVERY
    tick()
    assert plpy.executed == ["SELECT 1", "SELECT 1"]


def test_fragments_past_the_fuzzy_budget_are_unmatched_and_marked():
    raw = "，".join(["阿莫西临胶囊", "布洛粉缓释胶囊", "硝苯地平空释片", "笨磺酸氨氯地平片"])
    looked_up = []

    def fuzzy(fragment):
        looked_up.append(fragment)
        return []
    doc = pipeline.parse(raw, LEX, fuzzy, {"fuzzy_budget": 2})
    assert looked_up == ["阿莫西临胶囊", "布洛粉缓释胶囊"]          # the first two, in input order
    skipped = [s for s in doc["segments"] if s.get("skipped") == "fuzzy_budget"]
    assert [s["text"] for s in skipped] == ["硝苯地平空释片", "笨磺酸氨氯地平片"]
    assert all(s["match"] == "none" and s["standard"] is None and "candidates" not in s for s in skipped)
    assert pipeline.parse(raw, LEX, fuzzy, {"fuzzy_budget": 0})["segments"][0]["skipped"] == "fuzzy_budget"


def test_without_a_setting_the_default_fuzzy_budget_applies():
    looked_up = []
    pipeline.parse("阿莫西临胶囊 0.25g " * 40, LEX, lambda f: looked_up.append(f) or [], {})
    assert len(looked_up) == DEFAULTS["fuzzy_budget"] < 40
