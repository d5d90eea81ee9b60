from django.contrib.contenttypes.models import ContentType

from platform_core.models import AuditEvent


def audit(*, actor, action: str, target, reason: str = "", **data) -> AuditEvent:
    """Record who did ``action`` to ``target`` and why. Call inside the same
    transaction as the change, so the trail and the change land together."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        reason=reason,
        data=data,
    )


def audit_trail(target):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("actor")
