"""Thin Celery tasks: ids in (or none), one service call."""

from celery import shared_task

from . import services


@shared_task
def close_unanswered() -> int:
    """Close complaints whose request for information went unanswered."""
    return services.complaints_close_unanswered()


@shared_task
def refresh_standings() -> int:
    """Re-evaluate fast track as the window slides."""
    return services.standings_refresh()
