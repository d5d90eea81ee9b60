"""Shared fixtures: named personas, API clients with real tokens, and a real
Celery worker subprocess consuming this run's queue against the test database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from platform_core.models import Role
from tests.factories import BrandFactory, UserFactory, organisation_with_admin

ROOT = Path(__file__).resolve().parent.parent


# --- Personas -------------------------------------------------------------------
# alice runs brand protection at Adidas; bob at a rival brand; rita reviews for
# the platform; mo is the marketplace's integration; sam sells; judy judges.


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=Role.BRAND)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", role=Role.BRAND)


@pytest.fixture
def rita(db):
    return UserFactory(username="rita", role=Role.REVIEWER, is_staff=True)


@pytest.fixture
def mo(db):
    return UserFactory(username="mo", role=Role.MARKETPLACE)


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", role=Role.SELLER)


@pytest.fixture
def judy(db):
    return UserFactory(username="judy", role=Role.JUDGE)


@pytest.fixture
def alice_org(alice):
    return organisation_with_admin(name="Adidas AG", admin=alice, status="verified")


@pytest.fixture
def bob_org(bob):
    return organisation_with_admin(name="Rival Brands Ltd", admin=bob, status="verified")


@pytest.fixture
def adidas(alice_org):
    return BrandFactory(organisation=alice_org, name="Adidas", aliases=["阿迪达斯"])


@pytest.fixture
def rival_brand(bob_org):
    return BrandFactory(organisation=bob_org, name="Nike", aliases=["耐克"])


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api():
    """``api(user)`` → an API client authenticated with a real token."""
    return client_for


# --- A real Celery worker ---------------------------------------------------------


@contextlib.contextmanager
def broker_down():
    """The broker stops answering this process: tasks cannot be queued until
    the block ends (a worker, with its own connection, is unaffected). Celery
    keeps its connection and producer pools per broker URL; the working ones
    are set aside, not closed, and put back afterwards."""
    from platform_core.celery import app

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = ""):
    """Poll ``predicate`` until it is truthy; fail the test with ``message`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout}s")


class Worker:
    """A ``celery worker`` subprocess bound to the test database and this run's queue."""

    def __init__(
        self,
        db_name: str,
        log_path: Path,
        concurrency: int = 1,
        queue: str | None = None,
        env: dict | None = None,
    ):
        self.db_name = db_name
        self.log_path = log_path
        self.concurrency = concurrency
        self.queue = queue
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.name = f"test-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"

    def start(self) -> Worker:
        from django.conf import settings

        env = dict(os.environ)
        base = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{base['USER']}:{base.get('PASSWORD') or ''}@{base['HOST']}:"
            f"{base['PORT']}/{self.db_name}"
        )
        env["DJANGO_SETTINGS_MODULE"] = "platform_core.settings_test"
        env.update(self.extra_env)
        self.log_path.write_text("")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_core",
                "worker",
                "-l",
                "info",
                "-Q",
                self.queue or settings.CELERY_TASK_DEFAULT_QUEUE,
                "--concurrency",
                str(self.concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                self.name,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: "ready." in self.log_path.read_text() or self.proc.poll() is not None,
            timeout=60,
            message="the Celery worker did not start",
        )
        if self.proc.poll() is not None:
            pytest.fail("the Celery worker exited:\n" + self.log_path.read_text()[-4000:])
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, as a crashed machine would."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(20)
            # Pool children may outlive the main process by a moment; they hold
            # connections to the test database, which must be dropped next.
            self.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="session")
def _worker_db(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.settings_dict["NAME"]


_session_worker: Worker | None = None


@pytest.fixture(scope="session")
def celery_worker(_worker_db, tmp_path_factory):
    """One worker for the session; tests using it need ``transactional_db`` so
    that what they write is committed and visible to the worker."""
    global _session_worker
    from celery import current_app

    current_app.control.purge()
    worker = Worker(_worker_db, tmp_path_factory.mktemp("celery") / "worker.log").start()
    _session_worker = worker
    yield worker
    _session_worker = None
    worker.stop()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def _quiesce_session_worker(timeout: float = 30.0) -> None:
    """Let the session worker finish what a test's commits queued before the
    database is flushed: a task still reading while TRUNCATE takes its locks
    deadlocks the flush, and one finishing later writes into the next test.
    Tasks the worker holds for later (a retry with a countdown) or has
    prefetched are revoked: their test is over."""
    import psycopg
    from celery import current_app
    from django.conf import settings

    current_app.control.purge()
    name = _session_worker.name
    inspect = current_app.control.inspect(destination=[name], limit=1, timeout=5)
    held = [t["request"]["id"] for t in (inspect.scheduled() or {}).get(name, [])]
    held += [t["id"] for t in (inspect.reserved() or {}).get(name, [])]
    if held:
        current_app.control.revoke(held, destination=[name])
    deadline = time.monotonic() + timeout
    while (inspect.active() or {}).get(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as conn:
        while time.monotonic() < deadline:
            (busy,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'"
                " AND backend_type = 'client backend'"
            ).fetchone()
            if not busy:
                return
            time.sleep(0.05)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # Runs before the test's fixtures are finalised, so before the flush.
    if _session_worker is not None and _is_transactional(item):
        _quiesce_session_worker()
    return (yield)


@pytest.fixture
def worker(celery_worker, transactional_db):
    if celery_worker.proc.poll() is not None:
        pytest.fail("the Celery worker died:\n" + celery_worker.log()[-4000:])
    return celery_worker


@pytest.fixture(scope="session", autouse=True)
def _remove_temporary_media():
    yield
    import shutil

    temp = os.environ.get("COGUARD_TEMP_MEDIA")
    if temp and temp == os.environ.get("MEDIA_ROOT"):
        shutil.rmtree(temp, ignore_errors=True)
