"""The README is the front door: every CLI command is in it, has help with an example, and the test
command CI runs is the README's."""
import re
from pathlib import Path

from drugnorm_admin import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_in_the_readme():
    documented = set(re.findall(r"^\| `([a-z][a-z-]*)[ `]", README, flags=re.M))
    assert set(cli.COMMANDS) <= documented, set(cli.COMMANDS) - documented


def test_every_command_has_help_with_an_example():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        text = p.format_help()
        assert "example:" in text and "drugnorm-admin" in text.split("example:")[1], name


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    test_cmd = next(b for b in blocks if "pytest" in b)
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
