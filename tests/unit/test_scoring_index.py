"""The dimensions drugnorm-admin indexes by are those of plpython/dimensions.py (the wheel does not carry it)
and those sql/scoring.sql reads: scoring_index.py declares them once, and these tests hold them together."""
from pathlib import Path

import dimensions
from drugnorm_admin import scoring_index

SCORING_SQL = (Path(__file__).resolve().parents[2] / "sql" / "scoring.sql").read_text(encoding="utf-8")


def test_scoring_dimensions_are_those_of_dimensions_py():
    assert scoring_index.SCORING_DIMS == dimensions.SCORING_DIMS
    assert set(scoring_index.CHARACTER_DIMS) <= set(scoring_index.SCORING_DIMS)
    assert set(scoring_index.RECALL_DIMS) == set(scoring_index.CHARACTER_DIMS) | {dimensions.RECALL_DIM}


def test_character_dimensions_count_the_characters_of_an_entry():
    key = "阿莫西林0.25g胶囊"
    toks = dimensions.entry_tokens(key, [None] * len(key))
    chars = sum(1 for ch in key if dimensions.is_hanzi(ch) or dimensions.is_other(ch))
    assert sum(1 for t in toks if t[0] in scoring_index.CHARACTER_DIMS) == chars


def test_scoring_sql_reads_the_same_dimensions():
    def sql_list(dims):
        return "IN (" + ", ".join(f"'{d}'" for d in dims) + ")"
    assert f"strpos('{scoring_index.SCORING_DIMS}'" in SCORING_SQL
    assert f"q.dim {sql_list(scoring_index.RECALL_DIMS)}" in SCORING_SQL            # the recall tokens
    assert f"q.dim {sql_list(scoring_index.CHARACTER_DIMS)}" in SCORING_SQL         # a fragment's length
    positions = tuple(scoring_index.SCORING_DIMS.index(d) + 1 for d in scoring_index.CHARACTER_DIMS)
    assert f"ct.i IN {positions}" in SCORING_SQL                                    # the cosine N


def test_readings_are_phrase_aware_and_empty_where_no_hanzi():
    assert scoring_index.readings("长春新碱") == "chang chun xin jian"
    assert scoring_index.readings("VC片") == "  pian"


def test_the_0_10_upgrade_indexes_re_keyed_entries_by_the_same_dimensions():
    # migrations/versions/0003_release_0_10_rekey.sql writes postings as sql/scoring_index.sql does (frozen,
    # it cannot read it): the recall tokens, and the entry's characters as len
    rekey = (Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0003_release_0_10_rekey.sql"
             ).read_text(encoding="utf-8")
    recall = ", ".join(f"'{d}'" for d in scoring_index.RECALL_DIMS)
    assert f"left(t.tok, 1) = ANY (ARRAY[{recall}])" in rekey
    length = " + ".join(f"x.dim_len[{scoring_index.SCORING_DIMS.index(d) + 1}]" for d in scoring_index.CHARACTER_DIMS)
    assert f"least({length}, 32767)" in rekey
