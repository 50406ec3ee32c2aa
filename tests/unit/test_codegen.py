"""codegen: the head revision's code is generated from the sources, and each code file knows how to turn
the previous revision's functions into its own and back."""
import pytest

from drugnorm_admin import codegen

OLD = """
CREATE FUNCTION drugnorm.drug_parse(raw text) RETURNS jsonb
LANGUAGE plpython3u AS $$ $$;
CREATE FUNCTION drugnorm.drug_candidates(fragment text, k int DEFAULT NULL, threshold float8 DEFAULT NULL)
RETURNS TABLE (term text, s float8)
LANGUAGE plpython3u AS $$ $$;
CREATE FUNCTION drugnorm.gone(x int[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
"""
NEW = """
CREATE OR REPLACE FUNCTION drugnorm.drug_parse(raw text) RETURNS jsonb
LANGUAGE plpython3u AS $$ $$;
CREATE OR REPLACE FUNCTION drugnorm.drug_candidates(fragment text, k int DEFAULT NULL, threshold float8 DEFAULT NULL)
RETURNS TABLE (term text, s float8, m float8)
LANGUAGE plpython3u AS $$ $$;
CREATE OR REPLACE FUNCTION drugnorm.added() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
"""


def test_functions_are_read_as_drop_function_signatures_with_their_result_type():
    assert codegen.functions(OLD) == {
        "drugnorm.drug_parse(text)": "RETURNS jsonb",
        "drugnorm.drug_candidates(text, int, float8)": "RETURNS TABLE (term text, s float8)",
        "drugnorm.gone(int[])": "RETURNS int",
    }


def test_an_upgrade_drops_what_disappears_or_changes_its_result_and_replaces_the_rest():
    sql = codegen.transition(OLD, NEW)
    drops = [line for line in sql.splitlines() if line.startswith("DROP")]
    assert drops == ["DROP FUNCTION IF EXISTS drugnorm.drug_candidates(text, int, float8);",
                     "DROP FUNCTION IF EXISTS drugnorm.gone(int[]);"]
    assert "DROP FUNCTION IF EXISTS drugnorm.drug_parse(text)" not in sql   # replaced in place


def test_a_downgrade_drops_what_the_revision_added_and_restores_old_code_in_place():
    sql = codegen.transition(NEW, OLD)
    assert "DROP FUNCTION IF EXISTS drugnorm.added();" in sql
    assert "CREATE FUNCTION" not in sql.replace("CREATE OR REPLACE FUNCTION", "")


def test_the_head_revision_is_generated_from_the_current_sources():
    assert codegen.main(["--check"]) == 0


def test_a_new_revision_waits_for_the_head_to_be_released():
    head = codegen.head_revision()
    nxt = f"{int(head[:4]) + 1:04d}_next"
    with pytest.raises(SystemExit, match="not released yet"):
        codegen.new_revision(nxt, "next")


def test_every_code_revision_knows_its_previous_code():
    chain = codegen.revisions()
    assert chain[:2] == ["0001_lexicon_schema", "0002_functions"]
    for rev in chain[2:]:
        assert "drugnorm.drug_parse(text)" in codegen.functions(codegen.previous_code(rev))
