"""The suffix → dosage-form table (plpython/dosage_forms.py): one copy for the server code, the admin and the
bundled-lexicon build."""
import csv
from pathlib import Path

import dosage_forms

ROOT = Path(__file__).resolve().parents[2]


def test_the_lexicon_build_reads_a_part_of_the_servers_table():
    assert dosage_forms.LEXICON_BUILD_SUFFIXES < dosage_forms.SUFFIX_FORMS.keys()


def test_a_form_ending_in_a_suffix_of_its_own_names_itself():
    # 颗粒剂 → 颗粒剂, 注射液 → 注射液: a form written out in full is that form
    for suffix, form in dosage_forms.SUFFIX_FORMS.items():
        if suffix in dosage_forms.SUFFIX_FORMS.values():
            assert form == suffix, suffix


def test_the_forms_the_build_gives_are_dosage_forms_of_the_bundled_lexicon():
    with open(ROOT / "lexicon" / "default" / "20_dosage_form.tsv", encoding="utf-8", newline="") as f:
        forms = {r["term"] for r in csv.DictReader(f, delimiter="\t")}
    build = {dosage_forms.SUFFIX_FORMS[s] for s in dosage_forms.LEXICON_BUILD_SUFFIXES}
    assert build | {dosage_forms.INJECTION_FORM} <= forms


def test_the_injection_prefix_and_its_form():
    assert (dosage_forms.INJECTION_PREFIX, dosage_forms.INJECTION_FORM) == ("注射用", "注射用无菌粉末")
