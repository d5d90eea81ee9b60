"""The launcher uses the PostgreSQL and Redis that answer, and otherwise starts
embedded ones that it stops again: real servers, real processes, no Django."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
import redis

from platform_core import launcher

# Port 1 is privileged and unused: nothing answers there.
DEAD_DATABASE_URL = "postgres://postgres@127.0.0.1:1/coguard_launcher"
DEAD_REDIS_URL = "redis://127.0.0.1:1/5"


@pytest.fixture(autouse=True)
def _stop_what_a_test_left():
    yield
    launcher.stop_all()


def owner_of(pid: int) -> str:
    import pwd

    return pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


def query(url: str, sql: str):
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(sql).fetchone()


# --- PostgreSQL -------------------------------------------------------------------


def test_dead_database_url_starts_embedded_postgres_then_stops_it(tmp_path):
    resolved = launcher.resolve_database(DEAD_DATABASE_URL, tmp_path / "pgdata", fast=True)

    server = resolved.server
    assert server is not None and server.owned
    assert resolved.url == f"postgres://postgres@127.0.0.1:{server.port}/coguard_launcher"
    assert query(resolved.url, "select current_database(), 6 * 7") == ("coguard_launcher", 42)
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as an unprivileged user
        assert owner_of(server.pid) == launcher.PG_SYSTEM_USER

    server.stop()

    assert not launcher.pid_alive(server.pid)
    assert not launcher.port_answers("127.0.0.1", server.port, timeout=1)


@pytest.fixture
def running_postgres(tmp_path):
    server = launcher.EmbeddedPostgres(tmp_path / "pgdata", fast=True).start()
    yield server
    server.stop()


def test_answering_database_url_is_used_and_its_database_created(running_postgres, tmp_path):
    url = running_postgres.url("coguard_created_by_launcher")

    resolved = launcher.resolve_database(url, tmp_path / "unused")

    assert resolved.url == url and resolved.server is None
    assert not (tmp_path / "unused").exists()
    assert query(url, "select current_database()") == ("coguard_created_by_launcher",)


def test_second_launcher_shares_the_server_and_leaves_it_running(running_postgres):
    second = launcher.EmbeddedPostgres(running_postgres.datadir).start()

    assert (second.pid, second.port, second.owned) == (
        running_postgres.pid,
        running_postgres.port,
        False,
    )
    second.stop()  # it did not start the server: it must not stop it
    assert query(running_postgres.url("postgres"), "select 1") == (1,)


def test_server_left_by_a_dead_launcher_is_adopted_and_stopped(running_postgres):
    state = running_postgres.state_path.read_text()
    running_postgres.state_path.write_text(
        state.replace(f'"owner": {os.getpid()}', f'"owner": {dead_pid()}')
    )

    heir = launcher.EmbeddedPostgres(running_postgres.datadir).start()
    assert heir.owned and heir.pid == running_postgres.pid
    heir.stop()

    assert not launcher.pid_alive(running_postgres.pid)


# --- Redis ----------------------------------------------------------------------


def test_dead_redis_url_starts_embedded_redis_then_stops_it(tmp_path):
    resolved = launcher.resolve_redis(DEAD_REDIS_URL, tmp_path / "redis", fast=True)

    server = resolved.server
    assert server is not None and server.owned
    assert resolved.url == f"redis://127.0.0.1:{server.port}/5"
    client = redis.Redis.from_url(resolved.url)
    assert client.ping()
    client.set("launcher-test", "yes")
    assert client.get("launcher-test") == b"yes"
    client.close()

    server.stop()

    assert not launcher.pid_alive(server.pid)
    assert not launcher.port_answers("127.0.0.1", server.port, timeout=1)


def test_answering_redis_url_is_used_as_it_is(tmp_path):
    running = launcher.EmbeddedRedis(tmp_path / "redis", fast=True).start()
    url = running.url(2)

    resolved = launcher.resolve_redis(url, tmp_path / "unused")

    assert resolved.url == url and resolved.server is None
    assert not (tmp_path / "unused").exists()
    running.stop()


# --- Configuration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://postgres@127.0.0.1:5432/coguard",
            {"host": "127.0.0.1", "port": "5432", "user": "postgres", "dbname": "coguard"},
        ),
        (
            "postgresql://u:p%40ss@db.example:6543/x?sslmode=require",
            {"host": "db.example", "port": "6543", "user": "u", "password": "p@ss",
             "dbname": "x", "sslmode": "require"},
        ),
        (
            "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/coguard",
            {"host": "/var/run/postgresql", "port": "5432", "user": "postgres",
             "dbname": "coguard"},
        ),
    ],
)  # fmt: skip
def test_database_urls_become_libpq_parameters(url, expected):
    assert launcher.pg_params(url) == expected


def test_dotenv_is_read_like_the_settings_read_it(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# comment\nDATABASE_URL='postgres://a@b/c'\nexport REDIS_URL=redis://x:1/0\n\n")

    assert launcher.read_dotenv(env) == {
        "DATABASE_URL": "postgres://a@b/c",
        "REDIS_URL": "redis://x:1/0",
    }
