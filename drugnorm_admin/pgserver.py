"""Private PostgreSQL clusters: the embedded default database of the CLI and the tests' throwaway servers.

initdb and postgres refuse to run as root, so when we are root the cluster belongs to the unprivileged
``postgres`` OS user and its binaries run through ``runuser``.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

SERVER_USER = "postgres"
# pg_trgm and our character tokens need a UTF-8 ctype; C.UTF-8 exists on every glibc >= 2.35 system.
LOCALE = "C.UTF-8"


class ServerError(RuntimeError):
    """PostgreSQL is missing, or a private cluster could not be created or started."""


def find_bindir() -> Path:
    """The directory of initdb/pg_ctl/postgres: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin."""
    env = os.environ.get("PG_BINDIR")
    candidates = [Path(env)] if env else []
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: float(p.parent.name) if p.parent.name.replace(".", "").isdigit() else 0,
                         reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    raise ServerError(
        "PostgreSQL server binaries not found (initdb, pg_ctl). On Debian 12 install them with: "
        "apt-get install postgresql-15 postgresql-plpython3-15 postgresql-contrib "
        "(or set PG_BINDIR)")


def check_extensions(bindir: Path) -> None:
    """Fail early and clearly when plpython3u or pg_trgm is not installed for this server."""
    sharedir = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    share = Path(sharedir.stdout.strip()) if sharedir.returncode == 0 else bindir.parent / "share"
    ext = share / "extension"
    missing = [name for name, pkg in (("plpython3u", "postgresql-plpython3-15"), ("pg_trgm", "postgresql-contrib"))
               if not (ext / f"{name}.control").exists()]
    if missing:
        raise ServerError(f"PostgreSQL extension(s) {', '.join(missing)} not installed under {ext}; "
                          "install postgresql-plpython3-15 and postgresql-contrib")


def running_as_root() -> bool:
    return os.geteuid() == 0


def as_server_user(cmd: list[str]) -> list[str]:
    """Prefix a server command so that it runs as the unprivileged OS user when we are root."""
    if running_as_root():
        return ["runuser", "-u", SERVER_USER, "--", *cmd]
    return cmd


def give_to_server_user(path: Path) -> None:
    """Make a directory tree belong to the server user (only needed, and only possible, as root)."""
    if not running_as_root():
        return
    pw = pwd.getpwnam(SERVER_USER)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


def initdb(bindir: Path, datadir: Path) -> None:
    datadir.mkdir(parents=True, exist_ok=True)
    give_to_server_user(datadir)
    cmd = as_server_user([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", f"--locale={LOCALE}", "--no-sync"])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ServerError(f"initdb failed in {datadir}:\n{res.stderr or res.stdout}")


class EmbeddedCluster:
    """A private cluster under ``home`` that listens on a Unix socket only (no port to collide with)."""

    def __init__(self, home: Path):
        self.home = home
        self.datadir = home / "data"
        self.sockdir = home / "run"
        self.logfile = home / "server.log"

    @property
    def dsn(self) -> str:
        return f"host={self.sockdir} port=5432 user=postgres dbname=drugnorm"

    def exists(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        # Not just "postmaster.pid exists": after a reboot or a killed server the pid file and the socket
        # are left behind, and only pg_ctl (which checks that the process lives) can tell.
        if not (self.datadir / "postmaster.pid").exists():
            return False
        res = subprocess.run(as_server_user([str(find_bindir() / "pg_ctl"), "-D", str(self.datadir), "status"]),
                             capture_output=True, text=True)
        return res.returncode == 0

    def ensure_started(self) -> None:
        bindir = find_bindir()
        check_extensions(bindir)
        self.home.mkdir(parents=True, exist_ok=True)
        if running_as_root():
            # The server user must be able to reach its files: keep the tree private to it and root.
            os.chmod(self.home, 0o755)
        if not self.exists():
            initdb(bindir, self.datadir)
        if self.is_running():
            return
        self.sockdir.mkdir(exist_ok=True)
        self.logfile.touch(exist_ok=True)
        give_to_server_user(self.sockdir)
        give_to_server_user(self.logfile)
        opts = f"-c listen_addresses='' -c unix_socket_directories='{self.sockdir}' -p 5432"
        res = subprocess.run(as_server_user([str(bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
                                             str(self.logfile), "-o", opts, "-w", "-t", "60", "start"]),
                             capture_output=True, text=True)
        if res.returncode != 0:
            tail = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise ServerError(f"could not start the embedded PostgreSQL in {self.datadir}:\n"
                              f"{res.stderr or res.stdout}\n{tail}")
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg
        with psycopg.connect(f"host={self.sockdir} port=5432 user=postgres dbname=postgres",
                             autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'drugnorm'").fetchone() is None:
                conn.execute("CREATE DATABASE drugnorm")

    def stop(self) -> None:
        if not self.exists() or not self.is_running():
            return
        bindir = find_bindir()
        subprocess.run(as_server_user([str(bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                                       "-w", "stop"]), capture_output=True, text=True)
        for _ in range(50):
            if not self.is_running():
                return
            time.sleep(0.1)


def default_home() -> Path:
    """Where the embedded cluster lives: $DRUGNORM_HOME, else the user's data directory.

    root's home is private (0700) and the cluster runs as the ``postgres`` user, so as root the
    cluster lives under /var/lib/drugnorm, the system's data directory for services.
    """
    env = os.environ.get("DRUGNORM_HOME")
    if env:
        return Path(env)
    if running_as_root():
        return Path("/var/lib/drugnorm")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "drugnorm"
