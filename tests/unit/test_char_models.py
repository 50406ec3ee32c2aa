"""字符模型库 (patent claim 6, plpython/char_models.py): how a pending string with special symbols is cut,
one rule per kind of model; the models themselves are rows of drugnorm.char_model (tests/unit/minilex.py
has the four the schema installs)."""
import pytest

import char_models
from char_models import KINDS, split, strip
from tests.unit.minilex import MODELS


def pieces(s, kind, symbols, matches=lambda a, b: False):
    return [s[a:b] for a, b in split(s, 0, len(s), kind, symbols, matches)]


def keys_of(s, *words):
    """A ``matches`` that knows ``words`` as dictionary keys."""
    return lambda a, b: s[a:b] in words


def test_there_are_four_kinds_of_model_and_the_schema_installs_one_of_each():
    assert KINDS == ("bracket", "bar", "stop", "slash")
    assert sorted(m["kind"] for m in MODELS) == sorted(KINDS)


def test_bracket_the_bracketed_text_and_the_text_around_it_are_pieces_without_the_brackets():
    assert pieces("(立普妥)阿托伐他汀钙片", "bracket", "()") == ["立普妥", "阿托伐他汀钙片"]
    assert pieces("阿托伐他汀钙片[立普妥]", "bracket", "[]") == ["阿托伐他汀钙片", "立普妥"]


def test_bar_the_pieces_between_the_bars():
    assert pieces("奥美拉唑镁肠溶片|洛赛克mups", "bar", "|") == ["奥美拉唑镁肠溶片", "洛赛克mups"]


def test_stop_the_pieces_between_the_stops():
    assert pieces("美沙拉秦缓释颗粒剂、艾迪莎", "stop", "、,") == ["美沙拉秦缓释颗粒剂", "艾迪莎"]


def test_slash_cuts_only_when_a_side_is_a_dictionary_key():
    s = "b型嗜血菌/乙型肝炎疫苗"     # a combination product is named with a slash
    assert pieces(s, "slash", "/") == [s]
    assert pieces(s, "slash", "/", keys_of(s, "乙型肝炎疫苗")) == ["b型嗜血菌", "乙型肝炎疫苗"]


def test_a_string_without_the_model_s_symbols_is_one_piece_whatever_the_kind():
    for kind in KINDS:
        assert pieces("阿莫西林胶囊", kind, "()|、/") == ["阿莫西林胶囊"]


def test_pieces_are_spans_of_the_string_without_spaces_at_their_edges_and_empty_ones_go():
    s = "x ( 立普妥 )  阿托伐他汀钙片 |"
    assert split(s, 1, len(s) - 1, "bracket", "()", None) == [(4, 7), (11, 18)]
    assert pieces("||阿莫西林||", "bar", "|") == ["阿莫西林"]


def test_strip_drops_spaces_at_both_edges():
    assert strip("  阿莫西林 ", 0, 7) == (2, 6)
    assert strip("   ", 0, 3) == (3, 3)


def test_an_unknown_kind_is_an_error_that_names_the_known_ones():
    with pytest.raises(ValueError, match="bracket, bar, stop, slash"):
        split("a|b", 0, 3, "pipe", "|", None)
    # a string without the symbols is returned whole before the kind is looked at
    assert char_models.split("ab", 0, 2, "pipe", "|", None) == [(0, 2)]
