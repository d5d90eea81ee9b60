"""Thin Celery tasks: no arguments, one service call."""

from celery import shared_task

from . import services


@shared_task
def sweep() -> dict[str, int]:
    """Open voting after statement periods, close expired cases, replace
    no-shows and enforce verdicts whose appeal window has closed."""
    return services.cases_sweep()
