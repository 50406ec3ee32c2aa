"""Private PostgreSQL clusters: the embedded default database of the CLI and the tests' throwaway servers.

initdb and postgres refuse to run as root, so when we are root the cluster belongs to the unprivileged
``postgres`` OS user and its binaries run through ``runuser``.

The embedded cluster is private to the OS user that owns it and root: it listens on a Unix socket only
(``listen_addresses = ''``), in a 0700 directory with a 0700 socket, and authenticates by peer credentials
mapped through pg_ident.conf (map ``drugnorm``: the owner and root may connect as the superuser
``postgres``, nobody else as anyone). Its pg_hba.conf and pg_ident.conf are rewritten on every start, so a
cluster created by an older drugnorm-admin (``trust``, a 0777 socket) is hardened the next time it is used.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
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


def current_user() -> str:
    """The name of the OS user we run as."""
    return pwd.getpwuid(os.geteuid()).pw_name


def as_server_user(cmd: list[str], user: str = SERVER_USER) -> list[str]:
    """Prefix a server command so that it runs as the unprivileged OS user when we are root."""
    if running_as_root():
        return ["runuser", "-u", user, "--", *cmd]
    return cmd


def give_to_server_user(path: Path, user: str = SERVER_USER) -> None:
    """Make a directory tree belong to the server user (only needed, and only possible, as root).

    Symbolic links are changed themselves, never followed."""
    if not running_as_root():
        return
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid, follow_symlinks=False)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid, follow_symlinks=False)


def initdb(bindir: Path, datadir: Path, user: str = SERVER_USER) -> None:
    """A new cluster whose superuser is ``postgres``; local connections by peer, TCP ones rejected."""
    datadir.mkdir(parents=True, exist_ok=True)
    give_to_server_user(datadir, user)
    cmd = as_server_user([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
                          "--auth-local=peer", "--auth-host=reject",
                          "-E", "UTF8", f"--locale={LOCALE}", "--no-sync"], user)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ServerError(f"initdb failed in {datadir}:\n{res.stderr or res.stdout}")


IDENT_MAP = "drugnorm"
CONF_BEGIN = "# BEGIN drugnorm-admin: the embedded cluster is private (rewritten on every start, do not edit)"
CONF_END = "# END drugnorm-admin"


def _conf_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident_token(name: str) -> str:
    return '"' + name + '"'


def _chmod_nofollow(path: Path, modes: dict[int, int]) -> None:
    """chmod a file of the server user's, by its type, never through a symbolic link it may have put
    there (Linux has no lchmod: open the name itself with O_PATH, chmod the inode via /proc)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        mode = modes.get(stat.S_IFMT(os.fstat(fd).st_mode))
        if mode is not None:
            os.chmod(f"/proc/self/fd/{fd}", mode)
    except OSError:
        pass   # no /proc: the 0700 directory around it is what keeps others out
    finally:
        os.close(fd)


class EmbeddedCluster:
    """A private cluster under ``home`` that listens on a Unix socket only (no port to collide with).

    Only the OS user owning the cluster (``postgres`` when root created it, else its creator) and root may
    connect: see the module's docstring."""

    def __init__(self, home: Path):
        self.home = home
        self.datadir = home / "data"
        self.sockdir = home / "run"
        self.logfile = home / "server.log"

    @property
    def dsn(self) -> str:
        return f"host={self.sockdir} port=5432 user=postgres dbname=drugnorm"

    def exists(self) -> bool:
        try:
            return (self.datadir / "PG_VERSION").exists()
        except PermissionError:   # another user's (see check_owner)
            return True

    def server_user(self) -> str:
        """The OS user the server runs as: the owner of an existing cluster; for a new one ``postgres``
        when we are root, else we."""
        try:
            uid = self.datadir.stat().st_uid if self.exists() else 0
        except PermissionError:   # another user's home (0700): it is that user's cluster
            uid = self.home.stat().st_uid
        if uid == 0:
            return SERVER_USER if running_as_root() else current_user()
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            raise ServerError(f"the embedded database in {self.home} belongs to uid {uid}, "
                              "which has no user name") from None

    def allowed_users(self) -> list[str]:
        """The OS users who may connect (as the database superuser ``postgres``)."""
        return sorted({self.server_user(), "root"})

    def _as_owner(self, cmd: list[str]) -> list[str]:
        return as_server_user(cmd, self.server_user())

    def check_owner(self) -> None:
        """Refuse, clearly, a cluster or DRUGNORM_HOME that belongs to another user."""
        if not self.home.exists():
            return
        owner = self.home.stat().st_uid
        if running_as_root():
            # root changes owners and modes below home: a home some other user controls could point them
            # anywhere
            if owner not in (0, pwd.getpwnam(self.server_user()).pw_uid):
                raise ServerError(f"{self.home} belongs to uid {owner}, neither root nor the server user "
                                  f"{self.server_user()}: refusing to run the embedded database there")
            return
        if self.server_user() != current_user():
            raise ServerError(f"the embedded database in {self.home} belongs to OS user {self.server_user()}: "
                              "only that user (or root) may use it; set DRUGNORM_HOME for a database of your own")
        if owner != os.geteuid():
            raise ServerError(f"{self.home} belongs to another user; set DRUGNORM_HOME to a directory of your own")

    def is_running(self) -> bool:
        # Not just "postmaster.pid exists": after a reboot or a killed server the pid file and the socket
        # are left behind, and only pg_ctl (which checks that the process lives) can tell.
        if not (self.datadir / "postmaster.pid").exists():
            return False
        res = subprocess.run(self._as_owner([str(find_bindir() / "pg_ctl"), "-D", str(self.datadir), "status"]),
                             capture_output=True, text=True)
        return res.returncode == 0

    def hba_conf(self) -> str:
        return (
            "# Written by drugnorm-admin on every start of the embedded cluster: edits are lost.\n"
            f"# Only the OS users mapped in pg_ident.conf (map {IDENT_MAP}: the cluster's owner and root) may\n"
            "# connect, over the Unix socket, as the database user they are mapped to. No TCP connections.\n"
            "# TYPE  DATABASE  USER  ADDRESS  METHOD\n"
            f"local   all       all            peer map={IDENT_MAP}\n"
            "host    all       all   all      reject\n")

    def ident_conf(self) -> str:
        lines = "".join(f"{IDENT_MAP}  {_ident_token(u)}  \"postgres\"\n" for u in self.allowed_users())
        return ("# Written by drugnorm-admin on every start of the embedded cluster: edits are lost.\n"
                "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n" + lines)

    def _conf_block(self) -> str:
        return (f"{CONF_BEGIN}\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = {_conf_string(str(self.sockdir))}\n"
                "unix_socket_permissions = 0700\n"
                "port = 5432\n"
                f"{CONF_END}\n")

    def _write_private(self, path: Path, text: str) -> bool:
        """Write a file of the data directory (owner only, atomically) unless it already says ``text``."""
        try:
            if (not path.is_symlink() and (path.stat().st_mode & 0o077) == 0
                    and path.read_text() == text):
                return False
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".drugnorm-tmp", dir=path.parent)  # 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
            give_to_server_user(Path(tmp), self.server_user())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def _private_dir(self, path: Path, user: str) -> None:
        if path.is_symlink():
            raise ServerError(f"{path} is a symbolic link; refusing to use it")
        path.mkdir(mode=0o700, exist_ok=True)
        give_to_server_user(path, user)
        os.chmod(path, 0o700)

    def _secure_home(self) -> None:
        # A home of root's (the cluster runs as `postgres`): the server user must pass through to its
        # files, nobody may list them. A home of the server user's own: nobody else may enter.
        own = self.home.stat().st_uid == pwd.getpwnam(self.server_user()).pw_uid
        os.chmod(self.home, 0o700 if own else 0o711)

    def harden(self) -> bool:
        """Make an existing cluster private to its owner and root (see the module's docstring); safe to
        run again. Returns whether the authentication or server configuration files changed."""
        user = self.server_user()
        self._secure_home()
        os.chmod(self.datadir, 0o700)
        self._private_dir(self.sockdir, user)
        for sock in self.sockdir.glob(".s.PGSQL.*"):   # a server started by an older drugnorm-admin: 0777
            _chmod_nofollow(sock, {stat.S_IFSOCK: 0o700, stat.S_IFREG: 0o600})
        if self.logfile.is_symlink():
            raise ServerError(f"{self.logfile} is a symbolic link; refusing to use it")
        self.logfile.touch(mode=0o600, exist_ok=True)
        give_to_server_user(self.logfile, user)
        os.chmod(self.logfile, 0o600)
        changed = self._write_private(self.datadir / "pg_hba.conf", self.hba_conf())
        changed |= self._write_private(self.datadir / "pg_ident.conf", self.ident_conf())
        conf = self.datadir / "postgresql.conf"
        text = conf.read_text() if conf.exists() else ""
        if CONF_BEGIN in text:
            head, _, rest = text.partition(CONF_BEGIN)
            tail = rest.partition(CONF_END)[2].lstrip("\n")
            text = head + tail
        if text and not text.endswith("\n"):
            text += "\n"
        changed |= self._write_private(conf, text + self._conf_block())
        return changed

    def ensure_started(self) -> None:
        bindir = find_bindir()
        check_extensions(bindir)
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.check_owner()
        try:
            if not self.exists():
                self._secure_home()
                initdb(bindir, self.datadir, self.server_user())
            changed = self.harden()
        except OSError as e:
            raise ServerError(f"could not make the embedded database in {self.home} private: {e}") from e
        if self.is_running():
            if changed:
                # e.g. a server started by an older drugnorm-admin with `trust`: the new rules apply to
                # every connection from now on
                res = self._pg_ctl(bindir, "reload")
                if res.returncode != 0:
                    raise ServerError(f"could not reload the embedded PostgreSQL in {self.datadir} with its "
                                      f"new authentication rules:\n{res.stderr or res.stdout}")
            return
        opts = (f"-c listen_addresses='' -c unix_socket_directories='{self.sockdir}' "
                "-c unix_socket_permissions=0700 -p 5432")
        res = self._pg_ctl(bindir, "-l", str(self.logfile), "-o", opts, "-w", "-t", "60", "start")
        if res.returncode != 0:
            tail = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise ServerError(f"could not start the embedded PostgreSQL in {self.datadir}:\n"
                              f"{res.stderr or res.stdout}\n{tail}")
        self._ensure_database()

    def _pg_ctl(self, bindir: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self._as_owner([str(bindir / "pg_ctl"), "-D", str(self.datadir), *args]),
                              capture_output=True, text=True)

    def _ensure_database(self) -> None:
        import psycopg
        with psycopg.connect(f"host={self.sockdir} port=5432 user=postgres dbname=postgres",
                             autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'drugnorm'").fetchone() is None:
                conn.execute("CREATE DATABASE drugnorm")

    def stop(self) -> None:
        self.check_owner()
        if not self.exists() or not self.is_running():
            return
        self._pg_ctl(find_bindir(), "-m", "fast", "-w", "stop")
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
