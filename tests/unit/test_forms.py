"""The importers' product-name rule (drugnorm_admin/forms.py): suffixes and prefixes from the dosage-form
dictionary, chosen by evidence, never a junk stem."""
import csv
from pathlib import Path

import pytest

from drugnorm_admin.forms import FormRule, attested_affixes

ROOT = Path(__file__).resolve().parents[2]
FORMS = list(csv.DictReader((ROOT / "lexicon/default/20_dosage_form.tsv").open(encoding="utf-8"), delimiter="\t"))


@pytest.fixture(scope="module")
def rule():
    """The bundled dosage-form dictionary (301 entries), no product of the lexicon to attest anything."""
    return FormRule([f["term"] for f in FORMS], standards=[f["term"] for f in FORMS if not f["standard"]])


@pytest.mark.parametrize("product, registered, stem", [
    # the forms of issue 16 that the old 35-suffix list lacked, and the junk they made
    ("两性霉素B阴道泡腾片", "阴道泡腾片", "两性霉素B"),      # not 两性霉素B阴道
    ("异维A酸胶丸", "胶丸", "异维A酸"),                      # not 异维A酸胶
    ("异维A酸胶丸", "丸剂", "异维A酸"),                      # a longer form than the registered one
    ("吸入用布地奈德混悬液", "吸入用混悬液", "布地奈德"),     # not 吸入用布地奈德
    ("利鲁唑口服混悬液", None, "利鲁唑"),                    # not 利鲁唑口服
    ("双氯芬酸钠凝胶", "凝胶剂", "双氯芬酸钠"),
    ("乙酰半胱氨酸吸入溶液", None, "乙酰半胱氨酸"),
    ("盐酸氨溴索口服溶液", "口服溶液剂", "盐酸氨溴索"),
    ("注射用盐酸伊立替康", "注射剂", "盐酸伊立替康"),
    ("阿托伐他汀钙片", "片剂", "阿托伐他汀钙"),               # 片 of 片剂
    ("丁苯酞软胶囊", "软胶囊剂", "丁苯酞"),
    # synonyms of one character before a form (素片, 糖片, 喉片) never cut into a name
    ("克拉霉素片", "片剂", "克拉霉素"),
    ("克拉霉素片", None, "克拉霉素"),
    ("参芪降糖片", None, "参芪降糖"),
    # no known form: no stem, rather than a wrong one
    ("布洛芬", "片剂", None),
    ("胃散", "散剂", None),
])
def test_stems_from_the_dosage_form_dictionary(rule, product, registered, stem):
    assert rule.stem(product, registered) == stem


def test_a_known_generic_decides(rule):
    assert rule.stem("复方肝浸膏片", "片剂", known={"复方肝浸膏"}) == "复方肝浸膏"
    assert rule.stem("复方肝浸膏片", "片剂") == "复方肝"   # 浸膏 is a form qualifier: only the lexicon knows


def test_the_lexicon_attests_suffixes():
    names = ["片剂", "素片", "胶囊剂"]
    bare = FormRule(names, standards=["片剂", "胶囊剂"])
    assert bare.stem("维生素片") == "维生素"             # 素片 is one character before 片: weak
    attested = FormRule(names, standards=["片剂", "胶囊剂"], attested=attested_affixes([("四环素片", "四环素"), ("阿莫西林胶囊", "阿莫西林"),
                                                 ("注射用头孢曲松钠", "头孢曲松钠")]))
    assert attested.attested == {"片", "胶囊", "注射用"}
    assert attested.stem("土霉素片") == "土霉素"


def test_an_empty_dictionary_derives_only_from_the_registered_form():
    rule = FormRule(["片剂"])
    assert rule.stem("阿托伐他汀钙片", "片剂") == "阿托伐他汀钙"
    assert rule.stem("阿托伐他汀钙胶囊", "胶囊剂") is None
    assert rule.stem("注射用头孢曲松钠") == "头孢曲松钠"     # 注射用 always
