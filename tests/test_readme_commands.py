"""The README's first command, run the way a newcomer runs it: ``bin/coguard up``
installs, migrates, loads the demo and serves the portal, the console and the
API with a worker and beat, then stops cleanly on Ctrl-C. (The second command
is the one running this suite, through ``.ci/run``.)"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# What the test run itself put in the environment; a newcomer's shell has none of it.
TEST_ONLY = {
    "DJANGO_SETTINGS_MODULE",
    "CELERY_QUEUE",
    "CACHE_KEY_PREFIX",
    "MEDIA_ROOT",
    "COGUARD_TEMP_MEDIA",
    "DATABASE_TEST_NAME",
    "DATABASE_POOL",
    "IMAGE_FETCH_ALLOWED_HOSTS",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECURE_SSL_REDIRECT",
    "WEBHOOK_BACKOFF_SECONDS",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_bin_coguard_up_serves_everything_and_stops_cleanly(tmp_path):
    db = settings.DATABASES["default"]
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    name = f"coguard_readme_{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(
        DATABASE_URL=f"{server}/{name}",
        REDIS_URL=settings.REDIS_URL,
        PORT=str(port),
        MEDIA_ROOT=str(tmp_path / "media"),
        CELERY_QUEUE=f"coguard-readme-{uuid.uuid4().hex[:8]}",
    )
    log = tmp_path / "up.log"
    proc = subprocess.Popen(
        ["bin/coguard", "up"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while "CoGuard is running" not in log.read_text():
            assert proc.poll() is None, "bin/coguard up exited:\n" + log.read_text()[-3000:]
            assert time.monotonic() < deadline, "not ready in 300 s:\n" + log.read_text()[-3000:]
            time.sleep(1)
        output = log.read_text()
        base = f"http://localhost:{port}"
        for url in (f"{base}/", f"{base}/admin/", f"{base}/api/v1/docs/"):
            assert url in output
        assert "coguard-demo" in output and "reviewer" in output and "marketplace" in output

        assert get(f"{base}/healthz") == (200, '{"status": "ok", "database": "ok", "redis": "ok"}')
        status, page = get(f"{base}/accounts/login/")
        assert status == 200 and "Sign in to CoGuard" in page
        status, page = get(f"{base}/admin/login/")
        assert status == 200 and "CoGuard reviewer console" in page
        status, docs = get(f"{base}/api/v1/docs/")
        assert status == 200 and "swagger-ui" in docs and "cdn" not in docs.casefold()
        status, schema = get(f"{base}/api/v1/schema/")
        assert status == 200 and "/api/v1/listings/" in schema

        # The worker takes the demo listings in: some go live, counterfeits are held.
        with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
            deadline = time.monotonic() + 120
            while True:
                pending = conn.execute(
                    "SELECT count(*) FROM marketplace_listing WHERE status = 'pending'"
                ).fetchone()[0]
                if pending == 0 or time.monotonic() > deadline:
                    break
                time.sleep(2)
            counts = dict(
                conn.execute("SELECT status, count(*) FROM marketplace_listing GROUP BY status")
            )
        assert pending == 0, counts
        assert counts.get("active", 0) > 100 and counts.get("held", 0) > 0

        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(60) == 0, log.read_text()[-3000:]
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
