"""Named SQL of the admin's own statements, kept in .sql files (as procrastinate keeps sql/queries.sql).

A file is a series of sections, each under a header line ``-- name: NAME``; comment lines right after the
header describe it and are not part of the statement. ``read`` returns the statements by name, in file
order (tests/unit/test_queries.py).
"""
from __future__ import annotations

import functools
import re

from .paths import CLIENT_SQL_DIR

_HEADER = re.compile(r"^-- name: ([a-z0-9_]+)\n(?:--.*\n)*", re.M)


def read_text(text: str) -> dict[str, str]:
    parts = _HEADER.split(text)[1:]     # what precedes the first header describes the file
    return {name: body.strip() for name, body in zip(parts[::2], parts[1::2])}


@functools.cache
def read(file: str) -> dict[str, str]:
    """The sections of ``file`` in the admin's SQL folder (sql/ in a checkout, package data in a wheel)."""
    return read_text((CLIENT_SQL_DIR / file).read_text(encoding="utf-8"))
