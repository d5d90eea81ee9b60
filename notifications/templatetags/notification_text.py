"""``{{ note|notification_title }}`` and ``{{ note|notification_body }}``: a
notification in the reader's language."""

from django import template

from notifications.messages import body_for, title_for

register = template.Library()


@register.filter
def notification_title(note) -> str:
    return title_for(note)


@register.filter
def notification_body(note) -> str:
    return body_for(note)
