"""The README's first Quick start command: `drugnorm-admin parse` on the embedded default database,
created on first use, started again after its server was killed, stopped on request; and private to the
OS user that owns it and root, including a cluster created by an older version (trust, a 0777 socket)."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "drugnorm_admin.cli"]


@pytest.fixture(scope="module")
def home():
    # not under pytest's tmp_path: as root the server runs as `postgres`, which cannot enter /tmp/pytest-of-root
    path = Path(tempfile.mkdtemp(prefix="drugnorm-embedded-test-"))
    yield path
    subprocess.run(CLI + ["embedded", "stop"], env=_env(path), capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DRUGNORM_DSN"}
    env["DRUGNORM_HOME"] = str(home)
    return env


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    res = subprocess.run(CLI + list(args), env=_env(home), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res


def test_first_parse_creates_the_database_and_loads_the_bundled_lexicon(home):
    res = run(home, "parse", "--json", "(立普妥)阿托伐他汀钙片20mg*7片")
    out = json.loads(res.stdout)
    assert (out["trade_name"], out["product_name"], out["dosage_form"]) == ("立普妥", "阿托伐他汀钙片", "片剂")
    assert out["strength"] == "20mg" and out["package"] == "7片"
    assert "first use" in res.stderr
    assert "running" in run(home, "embedded", "status").stdout


def test_parse_starts_the_server_again_after_it_was_killed(home):
    run(home, "parse", "阿莫西林胶囊")
    pid = int((home / "data" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):   # wait until the postmaster is gone; its pid file and socket stay behind
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    assert (home / "data" / "postmaster.pid").exists()
    assert "stopped" in run(home, "embedded", "status").stdout
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["product_name"] == "阿莫西林胶囊"


def test_stop_then_parse_again(home):
    assert "stopped" in run(home, "embedded", "stop").stdout
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["generic_name"] == "阿莫西林"


# --- Only the OS user owning the embedded cluster and root may connect (security finding "High 1") -------
# The server runs as `postgres` when root created the cluster; a local user such as `nobody` must not get
# in: the superuser `postgres` can run programs as the server's OS user (COPY ... TO PROGRAM).

requires_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as other OS users (runuser)")
REPO = Path(__file__).resolve().parents[2]


def _psql(home: Path, os_user: str | None, db_user: str = "postgres") -> subprocess.CompletedProcess:
    """`SELECT current_user` through the embedded cluster's socket, as OS user os_user (None: as we are)."""
    from drugnorm_admin.pgserver import find_bindir
    cmd = [str(find_bindir() / "psql"), "-X", "-w", "-At", "-c", "SELECT current_user",
           f"host={home / 'run'} port=5432 user={db_user} dbname=postgres"]
    if os_user is not None:
        cmd = ["runuser", "-u", os_user, "--", *cmd]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    return subprocess.run(cmd, cwd="/", env=env, capture_output=True, text=True, timeout=60)


def _sql(home: Path, query: str) -> list[tuple]:
    import psycopg
    with psycopg.connect(f"host={home / 'run'} port=5432 user=postgres dbname=postgres") as conn:
        return conn.execute(query).fetchall()


def _mode(path: Path) -> int:
    return path.lstat().st_mode & 0o7777


@pytest.fixture
def opened_socket(home):
    """The socket directory and socket opened to everyone for a moment, to test authentication alone."""
    run(home, "parse", "阿莫西林胶囊")
    sock = home / "run" / ".s.PGSQL.5432"
    os.chmod(home / "run", 0o755)
    os.chmod(sock, 0o777)
    try:
        yield
    finally:
        os.chmod(home / "run", 0o700)
        if sock.exists():
            os.chmod(sock, 0o700)


@requires_root
def test_other_os_users_cannot_connect(home):
    run(home, "parse", "阿莫西林胶囊")
    assert _psql(home, None).stdout.strip() == "postgres"          # root
    assert _psql(home, "postgres").stdout.strip() == "postgres"    # the server's own OS user
    for db_user in ("postgres", "nobody"):
        res = _psql(home, "nobody", db_user)
        assert res.returncode != 0 and res.stdout == "", res.stdout


@requires_root
def test_the_socket_directory_and_the_files_are_private(home):
    run(home, "parse", "阿莫西林胶囊")
    assert _mode(home) == 0o711                                     # root's: postgres passes through
    for path, mode in ((home / "run", 0o700), (home / "run" / ".s.PGSQL.5432", 0o700),
                       (home / "data", 0o700), (home / "server.log", 0o600),
                       (home / "data" / "pg_hba.conf", 0o600), (home / "data" / "pg_ident.conf", 0o600)):
        assert _mode(path) == mode, path
        assert path.lstat().st_uid == pwd.getpwnam("postgres").pw_uid, path
    assert _sql(home, "SELECT current_setting('listen_addresses'), current_setting('unix_socket_permissions')") \
        == [("", "0700")]


def test_authentication_is_peer_through_a_map_of_the_owner_and_root(home):
    run(home, "parse", "阿莫西林胶囊")
    rules = _sql(home, "SELECT type, database, user_name, address, auth_method, options, error "
                       "FROM pg_hba_file_rules")
    assert rules == [("local", ["all"], ["all"], None, "peer", ["map=drugnorm"], None),
                     ("host", ["all"], ["all"], "all", "reject", None, None)]
    assert "trust" not in (home / "data" / "pg_hba.conf").read_text()
    owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    assert sorted(_sql(home, "SELECT map_name, sys_name, pg_username, error FROM pg_ident_file_mappings")) \
        == sorted({("drugnorm", u, "postgres", None) for u in (owner, "root")})
    assert "access: OS users" in run(home, "embedded", "status").stdout


@requires_root
def test_peer_authentication_refuses_other_users_even_on_an_open_socket(home, opened_socket):
    for db_user in ("postgres", "nobody"):
        res = _psql(home, "nobody", db_user)
        assert res.returncode != 0 and "Peer authentication failed" in res.stderr, res.stderr


# An embedded cluster created by drugnorm-admin <= 0.10.0.dev0: `initdb --auth=trust`, a 0755 home and
# socket directory, a 0777 socket. Hospitals have them; the next command must close them.

OLD_HBA = ("local   all   all                 trust\n"
           "host    all   all   127.0.0.1/32  trust\n"
           "host    all   all   ::1/128       trust\n")


def _make_old_style(home: Path) -> None:
    data = home / "data"
    (data / "pg_hba.conf").write_text(OLD_HBA)
    (data / "pg_ident.conf").write_text("# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\n")
    conf = (data / "postgresql.conf").read_text()
    if "# BEGIN drugnorm-admin" in conf:
        conf = conf[:conf.index("# BEGIN drugnorm-admin")]
    (data / "postgresql.conf").write_text(conf)
    os.chmod(home, 0o755)
    os.chmod(home / "run", 0o755)


def _start_old_style(home: Path) -> None:
    """Start the server the way the old code did (no unix_socket_permissions: the socket is 0777)."""
    from drugnorm_admin.pgserver import as_server_user, find_bindir
    opts = f"-c listen_addresses='' -c unix_socket_directories='{home / 'run'}' -p 5432"
    res = subprocess.run(as_server_user([str(find_bindir() / "pg_ctl"), "-D", str(home / "data"), "-l",
                                         str(home / "server.log"), "-o", opts, "-w", "start"]),
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def _assert_hardened(home: Path) -> None:
    assert "trust" not in (home / "data" / "pg_hba.conf").read_text()
    assert (_mode(home), _mode(home / "run"), _mode(home / "run" / ".s.PGSQL.5432")) == (0o711, 0o700, 0o700)
    res = _psql(home, "nobody")
    assert res.returncode != 0 and res.stdout == ""
    assert _psql(home, None).stdout.strip() == "postgres"


@requires_root
def test_a_stopped_old_style_cluster_is_hardened_when_started_again(home):
    run(home, "parse", "阿莫西林胶囊")
    run(home, "embedded", "stop")
    _make_old_style(home)
    _start_old_style(home)
    assert _psql(home, "nobody").stdout.strip() == "postgres"      # the hole this closes
    run(home, "embedded", "stop")
    _make_old_style(home)                                           # as an old server leaves it behind
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["generic_name"] == "阿莫西林"
    _assert_hardened(home)
    assert _sql(home, "SELECT current_setting('unix_socket_permissions')") == [("0700",)]


@requires_root
def test_a_running_old_style_cluster_is_hardened_by_the_next_command(home):
    run(home, "parse", "阿莫西林胶囊")
    run(home, "embedded", "stop")
    _make_old_style(home)
    _start_old_style(home)
    assert _psql(home, "nobody").stdout.strip() == "postgres"
    pid = (home / "data" / "postmaster.pid").read_text().split()[0]
    out = json.loads(run(home, "parse", "--json", "阿莫西林胶囊").stdout)
    assert out["generic_name"] == "阿莫西林"
    assert (home / "data" / "postmaster.pid").read_text().split()[0] == pid   # not restarted: reloaded
    _assert_hardened(home)
    # the reloaded pg_hba.conf refuses `nobody` even where the old 0777 socket would let it in
    os.chmod(home / "run", 0o755)
    os.chmod(home / "run" / ".s.PGSQL.5432", 0o777)
    try:
        res = _psql(home, "nobody")
        assert res.returncode != 0 and "Peer authentication failed" in res.stderr, res.stderr
    finally:
        os.chmod(home / "run", 0o700)
        os.chmod(home / "run" / ".s.PGSQL.5432", 0o700)


# --- Created by a normal user: the server runs as that user, who and root may connect ---------------------

NORMAL_USER = "nobody"
_AS_USER = """
import sys
from pathlib import Path
from drugnorm_admin.pgserver import EmbeddedCluster, ServerError
cluster = EmbeddedCluster(Path(sys.argv[2]))
cluster._ensure_database = lambda: None   # psycopg is not importable by this user; the CLI tests cover it
try:
    getattr(cluster, sys.argv[1])()
except ServerError as e:
    sys.exit(f"ServerError: {e}")
"""


def _as_user(user: str, action: str, home: Path) -> subprocess.CompletedProcess:
    # the system python: the venv's lives under /root, which other users cannot enter
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1",
           "LC_ALL": "C"}
    return subprocess.run(["runuser", "-u", user, "--", "/usr/bin/python3", "-c", _AS_USER, action, str(home)],
                          cwd="/", env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def user_home():
    path = Path(tempfile.mkdtemp(prefix="drugnorm-embedded-user-"))
    pw = pwd.getpwnam(NORMAL_USER)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    yield path
    from drugnorm_admin.pgserver import EmbeddedCluster
    EmbeddedCluster(path).stop()
    shutil.rmtree(path, ignore_errors=True)


@requires_root
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs /usr/bin/python3")
def test_a_cluster_created_by_a_normal_user_is_private_to_that_user_and_root(user_home):
    from drugnorm_admin.pgserver import EmbeddedCluster
    res = _as_user(NORMAL_USER, "ensure_started", user_home)
    assert res.returncode == 0, res.stderr
    assert _psql(user_home, NORMAL_USER).stdout.strip() == "postgres"
    assert _psql(user_home, None).stdout.strip() == "postgres"       # root
    res = _psql(user_home, "postgres")                                # any other OS user
    assert res.returncode != 0 and res.stdout == ""
    assert "trust" not in (user_home / "data" / "pg_hba.conf").read_text()
    uid = pwd.getpwnam(NORMAL_USER).pw_uid
    for path in (user_home, user_home / "run", user_home / "data"):
        assert (_mode(path), path.stat().st_uid) == (0o700, uid), path
    assert _mode(user_home / "run" / ".s.PGSQL.5432") == 0o700
    cluster = EmbeddedCluster(user_home)
    assert cluster.server_user() == NORMAL_USER and cluster.allowed_users() == sorted([NORMAL_USER, "root"])
    # another user may neither use nor stop it, and is told why
    for action in ("ensure_started", "stop"):
        res = _as_user("postgres", action, user_home)
        assert res.returncode != 0 and "belongs to" in res.stderr, res.stderr
    assert cluster.is_running()
    cluster.stop()                                                    # root may
    assert not cluster.is_running()
