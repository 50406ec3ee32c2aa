"""The admin's SQL files: sections under `-- name: NAME` headers, read by name (procrastinate's layout)."""
from drugnorm_admin import queries, scoring_index, validation


def test_sections_are_read_by_name_in_file_order_without_their_description():
    text = ("-- what the file is\n\n-- name: one\n-- the first\n-- (two lines)\nSELECT 1;\n\n"
            "-- name: two\nSELECT 2\n  -- a comment inside stays\nFROM x\n")
    assert queries.read_text(text) == {"one": "SELECT 1;", "two": "SELECT 2\n  -- a comment inside stays\nFROM x"}
    assert list(queries.read_text(text)) == ["one", "two"]


def test_the_load_checks_run_in_file_order_once_per_link_column():
    sections = queries.read(validation.FILE)
    assert "stage" in sections and validation.stage_table().startswith("CREATE TEMP TABLE dn_stage")
    n_checks = sum(name.startswith("check_") for name in sections)
    n_links = sum(name.startswith("link_") for name in sections)
    assert n_checks >= 6 and n_links == 2
    assert len(validation.checks()) == n_checks + n_links * len(validation.LINKS)


def test_the_index_statements_the_loader_runs_are_there():
    sections = queries.read(scoring_index.FILE)
    assert {"new_entries", "dims_table", "clear_dims", "compute_dims", "write_dims", "add_postings",
            "add_token_stats", "remove_token_stats", "drop_unused_tokens", "remove_postings"} <= set(sections)
