"""docs/DESIGN.md names real things: every file path it cites exists, every ``module.name`` it cites
(backticked, or in its diagram) is an attribute of that module, every ``drugnorm.name`` is created by
sql/, and the Lexicon members and Entry fields it lists are the code's."""
import importlib
import re
from pathlib import Path

import pytest

import dictionary_set
from tests.unit import minilex

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "docs" / "DESIGN.md"
PLPYTHON = {p.stem for p in (ROOT / "plpython").glob("*.py")}
ADMIN = {p.stem for p in (ROOT / "drugnorm_admin").glob("*.py")} - {"__init__"}
SQL = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sql").glob("*.sql"))
PATH = re.compile(r"^(?:\.\./)?(?:plpython|sql|drugnorm_admin|lexicon|migrations|tests|docs)/[\w./-]*$")
DOTTED = re.compile(r"\b([a-z_][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


def backticked(text: str) -> list[str]:
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(r"`([^`\n]+)`", prose)


def diagram(text: str) -> str:
    return "\n".join(re.findall(r"```\n(.*?)```", text, flags=re.S))


def paths(text: str) -> set[str]:
    found = {t for t in backticked(text) if PATH.match(t)}
    found |= {m for m in re.findall(r"\S+", diagram(text)) if PATH.match(m)}
    return found


def dotted_names(text: str) -> set[tuple[str, str]]:
    """(module, attribute chain) of the cited names whose first part is a module of plpython/ or
    drugnorm_admin/ (the ``drugnorm_admin.`` prefix optional), or the schema ``drugnorm``."""
    out = set()
    sources = [t for t in backticked(text) if not PATH.match(t)] + [diagram(text)]
    for src in sources:
        src = re.sub(r"\S*/\S*", "", src).replace("drugnorm_admin.", "")   # paths are not names
        for module, chain in DOTTED.findall(src):
            if module in PLPYTHON | ADMIN or module == "drugnorm":
                out.add((module, chain))
    return out


def missing_paths(text: str) -> list[str]:
    return sorted(p for p in paths(text) if not (ROOT / p).resolve().exists())


def resolve(module: str, chain: str) -> bool:
    if module == "drugnorm":   # a function, table or view of the schema
        return re.search(rf"CREATE (?:OR REPLACE )?(?:FUNCTION|TABLE|VIEW) drugnorm\.{chain}\b", SQL) is not None
    assert not (module in PLPYTHON and module in ADMIN), f"{module} is ambiguous"
    obj = importlib.import_module(module if module in PLPYTHON else "drugnorm_admin." + module)
    for part in chain.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def unknown_names(text: str) -> list[str]:
    return sorted(f"{m}.{c}" for m, c in dotted_names(text) if not resolve(m, c))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def broken_links(text: str) -> list[str]:
    """Links to headings (``#anchor`` here, ``../README.md#anchor``) that no heading has."""
    out = []
    for target, anchor in re.findall(r"\]\(((?:\.\./README\.md)?)#([^)]+)\)", text):
        doc = (ROOT / "README.md").read_text(encoding="utf-8") if target else text
        if anchor not in {slug(h) for h in re.findall(r"^#+ (.*)$", doc, flags=re.M)}:
            out.append(f"{target}#{anchor}")
    return out


def lexicon_members(text: str) -> list[str]:
    """The first cell of each row of the member table of the Lexicon section: `name` or `name(args)`."""
    section = text.split("## The Lexicon", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)[(`]", section, flags=re.M)


TEXT = DESIGN.read_text(encoding="utf-8")


def test_every_path_the_design_names_exists():
    assert len(paths(TEXT)) > 20
    assert missing_paths(TEXT) == []


def test_every_module_name_the_design_cites_exists():
    assert len(dotted_names(TEXT)) > 40
    assert unknown_names(TEXT) == []


def test_every_link_to_a_heading_finds_it():
    assert broken_links(TEXT) == []


def test_the_lexicon_members_listed_are_those_of_both_lexicons():
    members = lexicon_members(TEXT)
    assert {"lookup", "first", "has", "protected", "dosage_form_suffixes"} <= set(members)
    memory = minilex.load()
    stored = dictionary_set.StoredLexicon(None, None, None, None)
    for name in members:
        if name == "_company_cores":   # computed by companies.py for a MemoryLexicon
            assert hasattr(dictionary_set.StoredLexicon, name)
            continue
        assert hasattr(memory, name) and hasattr(stored, name), name


def test_the_entry_fields_listed_are_the_code_s():
    fields = re.search(r"`Entry\(([^)]*)\)`", TEXT).group(1)
    assert tuple(fields.split(", ")) == dictionary_set.Entry._fields


@pytest.mark.parametrize("wrong, finder", [
    ("`plpython/no_such_module.py`", missing_paths),
    ("`sql/no_such.sql`", missing_paths),
    ("`pipeline.no_such_function`", unknown_names),
    ("`server.Backend.no_such_method`", unknown_names),
    ("`drugnorm_admin.codegen.no_such`", unknown_names),
    ("`drugnorm.no_such_function`", unknown_names),
    ("```\n  └─ segmentation.no_such_step   plpython/nowhere.py\n```", unknown_names),
    ("```\n  └─ segmentation.protected_matches   plpython/nowhere.py\n```", missing_paths),
    ("[JSON](../README.md#the-json-contract)", broken_links),
    ("[admin](#the-admin)", broken_links),
])
def test_the_checks_catch_a_wrong_name(wrong, finder):
    assert finder(TEXT + "\n" + wrong + "\n")
