"""``{% console_queues as queues %}``: the queues on the console's index,
with how much waits and how much is overdue (``platform_core.admin``)."""

from django import template

from platform_core.admin import console_queues as _console_queues
from platform_core.admin import is_reviewer

register = template.Library()


@register.simple_tag(takes_context=True)
def console_queues(context):
    user = getattr(context.get("request"), "user", None)
    # Counted for reviewers only: the index is theirs.
    if user is None or not is_reviewer(user):
        return []
    return _console_queues()
