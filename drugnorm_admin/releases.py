"""Released migration revisions: which files shipped in which release, so that none of them ever changes.

A hospital's database holds the revisions it was migrated through; an upgrade only works if those files
are the same everywhere. ``migrations/RELEASED.tsv`` lists each released file with its sha256:

    python -m drugnorm_admin.releases check          # exit 1 when a released file changed
    python -m drugnorm_admin.releases cut 0.10.0     # mark every revision file not yet listed as released
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from .paths import MIGRATIONS_DIR

LIST = "RELEASED.tsv"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def released(migrations_dir: Path = MIGRATIONS_DIR) -> list[tuple[str, str, str]]:
    """(release, path relative to migrations/, sha256) of every released file, in release order."""
    rows = []
    for line in (migrations_dir / LIST).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            release, path, digest = line.split("\t")
            rows.append((release, path, digest))
    return rows


def is_released(path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> bool:
    rel = path.resolve().relative_to(migrations_dir.resolve()).as_posix()
    return any(p == rel for _, p, _ in released(migrations_dir))


def changed(migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Released files that are missing or differ from their release."""
    out = []
    for release, path, digest in released(migrations_dir):
        f = migrations_dir / path
        if not f.exists():
            out.append(f"{path} (released in {release}) is missing")
        elif _sha256(f) != digest:
            out.append(f"{path} (released in {release}) changed since its release")
    return out


def unreleased_files(migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    listed = {p for _, p, _ in released(migrations_dir)}
    files = [f.relative_to(migrations_dir).as_posix()
             for sub in ("versions", "data") if (migrations_dir / sub).is_dir()
             for f in sorted((migrations_dir / sub).iterdir()) if f.is_file() and f.suffix in (".py", ".sql", ".tsv")]
    return [f for f in files if f not in listed]


def cut(version: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Mark every unreleased revision file as released in ``version``; returns the files marked."""
    if any(r == version for r, _, _ in released(migrations_dir)):
        raise SystemExit(f"release {version} is already cut")
    problems = changed(migrations_dir)
    if problems:
        raise SystemExit("; ".join(problems))
    new = unreleased_files(migrations_dir)
    with (migrations_dir / LIST).open("a", encoding="utf-8") as out:
        for path in new:
            out.write(f"{version}\t{path}\t{_sha256(migrations_dir / path)}\n")
    return new


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        problems = changed()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    if len(argv) == 2 and argv[0] == "cut":
        for path in cut(argv[1]):
            print(f"released in {argv[1]}: {path}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
