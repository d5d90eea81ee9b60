"""The Celery app every CoGuard worker runs.

Tasks take ids, never model instances, and are enqueued with
``transaction.on_commit`` so a worker never sees a row that is not committed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = Celery("coguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
