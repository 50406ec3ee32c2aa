"""The per-backend caches are bounded in bytes, whatever cache_entries says (issue 13, finding 15): a
session may raise cache_entries, and a cached 1,000-character result costs ~20 KB."""
import random
import sys

import minilex
import server

HANZI = "阿莫西林胶囊片注射液盐酸头孢氨苄布洛芬缓释维生素钙钠钾葡萄糖氯化"


class FakePlpy:
    """drugnorm.state says version 1 and the session's settings; every other query finds nothing."""

    def __init__(self, **session):
        self.row = {n: session.get(n) for n in server.SETTING_NAMES}
        self.row.update(version=1, settings_version=0, uncommitted=None, written=0, xid=None)
        self.warnings = []

    def prepare(self, sql, types):
        return sql

    def execute(self, plan, args=None):
        return [dict(self.row)] if "FROM drugnorm.state" in plan else []

    def warning(self, msg):
        self.warnings.append(msg)


def backend():
    b = server.Backend()
    b.version, b.lex = (1, 0), minilex.load()       # as if loaded: the fake has no lexicon tables
    return b, {"drugnorm_backend": b}


def held(cache):
    return sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in cache.items())


def test_the_result_cache_is_bounded_in_bytes_whatever_cache_entries_says(monkeypatch):
    monkeypatch.setattr(server, "RESULT_CACHE_BYTES", 256 * 1024, raising=False)
    b, GD = backend()
    plpy = FakePlpy(cache_entries="1000000")
    rnd = random.Random(5)
    raws = ["".join(rnd.choice(HANZI) for _ in range(900)) for _ in range(200)]
    for raw in raws:
        server.parse(plpy, GD, raw)
        server.parse(plpy, GD, raw)     # cached from its second sight
    assert held(b.results) <= 256 * 1024
    assert 10 < len(b.results) < len(raws)
    assert raws[-1] in dict(b.results.items())            # the most recent stay


def test_cache_entries_still_bounds_the_number_of_results():
    b, GD = backend()
    plpy = FakePlpy(cache_entries="5")
    for i in range(20):
        for _ in range(2):
            server.parse(plpy, GD, f"阿莫西林胶囊 {i}mg")
    assert len(b.results) == 5


def test_the_fragment_cache_is_bounded_in_bytes(monkeypatch):
    monkeypatch.setattr(server, "FRAGMENT_CACHE_BYTES", 16 * 1024, raising=False)
    b, GD = backend()
    plpy = FakePlpy(cache_entries="1000000")
    view, _ = b.refresh(plpy)
    for i in range(1000):
        server._score(plpy, view, f"阿莫西林{i}胶囊")
    assert held(b.fragments) <= 16 * 1024 and len(b.fragments) > 10


def test_a_cache_hit_gives_the_same_result():
    b, GD = backend()
    plpy = FakePlpy()
    first = server.parse(plpy, GD, "阿莫西林胶囊 0.25g")
    assert server.parse(plpy, GD, "阿莫西林胶囊 0.25g") == first and len(b.results) == 1


def test_a_result_is_cached_the_second_time_its_string_is_parsed():
    # a statement over distinct strings does not pay for caching results nobody asks for again
    b, GD = backend()
    plpy = FakePlpy()
    first = server.parse(plpy, GD, "阿莫西林胶囊 0.25g")
    assert len(b.results) == 0
    assert server.parse(plpy, GD, "阿莫西林胶囊 0.25g") == first and len(b.results) == 1
    assert server.parse(plpy, GD, "阿莫西林胶囊 0.25g") == first and len(b.results) == 1


def test_what_was_seen_once_is_forgotten_in_bounded_memory():
    seen = server._SeenOnce()
    seen.LIMIT = 100
    assert [seen.check_and_add(f"s{i}") for i in range(100)].count(True) < 10
    assert seen.check_and_add("s5")
    seen.check_and_add("one more")           # the 101st string clears the bitmap
    assert not seen.check_and_add("s5")
    assert len(seen.bits) == server._SeenOnce.BITS // 8
