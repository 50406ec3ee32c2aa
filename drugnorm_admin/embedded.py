"""The embedded default database and `init`: what the README's first Quick start command runs on."""
from __future__ import annotations

import hashlib

from . import loader, migrate
from .db import AdminError, connect
from .paths import DEFAULT_LEXICON_DIR
from .pgserver import EmbeddedCluster, ServerError, default_home


def bundled_files():
    files = sorted(DEFAULT_LEXICON_DIR.glob("*.tsv"))
    if not files:
        raise AdminError(f"the bundled lexicon is missing: no *.tsv in {DEFAULT_LEXICON_DIR}")
    return files


def bundled_digest(files) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def init(dsn: str, log=print) -> None:
    """Migrate, then load the bundled lexicon unless this exact bundle is loaded already."""
    migrate.upgrade(dsn, log=log)
    files = bundled_files()
    digest = bundled_digest(files)
    with connect(dsn) as conn:
        done = conn.execute("SELECT EXISTS (SELECT 1 FROM drugnorm.lexicon_version "
                            "WHERE what->>'bundled' = %s)", (digest,)).fetchone()[0]
    if done:
        log(f"bundled lexicon {digest} already loaded")
        return
    log(f"loading the bundled lexicon ({len(files)} files) ...")
    summary = loader.load(dsn, files, log=log)
    with connect(dsn) as conn:
        version = summary.version
        if version is None:
            version = conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
        conn.execute("UPDATE drugnorm.lexicon_version SET what = what || jsonb_build_object('bundled', %s::text) "
                     "WHERE version = %s", (digest, version))
    for line in summary.lines():
        log(line)


def ensure(log=print) -> str:
    """Start (creating on first use) the private cluster and initialize it; returns its DSN."""
    cluster = EmbeddedCluster(default_home())
    first = not cluster.exists()
    if first:
        log(f"creating the embedded drugnorm database in {cluster.home} (first use) ...")
    try:
        cluster.ensure_started()
    except ServerError as e:
        raise AdminError(str(e)) from e
    init(cluster.dsn, log=log if first else (lambda *_: None))
    return cluster.dsn


def stop() -> None:
    try:
        EmbeddedCluster(default_home()).stop()
    except ServerError as e:
        raise AdminError(str(e)) from e


def status() -> list[str]:
    cluster = EmbeddedCluster(default_home())
    try:
        cluster.check_owner()
    except ServerError as e:
        return [str(e)]
    if not cluster.exists():
        return [f"no embedded database in {cluster.home} (created by the first 'parse' or 'init' without --dsn)"]
    state = "running" if cluster.is_running() else "stopped (started again by the next 'parse' or 'init')"
    return [f"embedded database in {cluster.home}: {state}", f"dsn: {cluster.dsn}",
            f"access: OS users {', '.join(cluster.allowed_users())} only, as database user postgres "
            "(peer authentication on the Unix socket; no TCP)"]
