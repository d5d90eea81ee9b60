"""Settings for the test suite: the real settings, plus what keeps a test run
apart from a demo running on the same PostgreSQL and Redis."""

import os
import tempfile
import uuid

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-" + uuid.uuid4().hex)
# The Celery worker started by the tests inherits these, so it consumes only
# this run's queue and writes into this run's media folder.
os.environ.setdefault("CELERY_QUEUE", "coguard-test-" + uuid.uuid4().hex[:8])
os.environ.setdefault("CACHE_KEY_PREFIX", os.environ["CELERY_QUEUE"])
if "MEDIA_ROOT" not in os.environ:
    # Removed again at the end of the run (tests/conftest.py).
    os.environ["MEDIA_ROOT"] = os.environ["COGUARD_TEMP_MEDIA"] = tempfile.mkdtemp(
        prefix="coguard-media-"
    )
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# A test database of this run's own, so two runs on one server never collide.
os.environ.setdefault("DATABASE_TEST_NAME", f"test_coguard_{os.getpid()}")
# Threads in tests open their own connections; without a pool they close with
# the thread, so the test database can be dropped at the end of the run.
os.environ.setdefault("DATABASE_POOL", "0")
# Test image servers listen on 127.0.0.1; "localhost" stays forbidden, which
# is how the tests see the loopback guard refuse.
os.environ.setdefault("IMAGE_FETCH_ALLOWED_HOSTS", "127.0.0.1")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT = os.path.join(os.environ["MEDIA_ROOT"], "_static")
os.makedirs(STATIC_ROOT, exist_ok=True)
