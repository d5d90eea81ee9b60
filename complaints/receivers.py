from django.dispatch import receiver

from rightsholders.models import Organisation, OrganisationStatus
from rightsholders.signals import organisation_status_changed

from . import services


@receiver(organisation_status_changed, sender=Organisation)
def void_complaints_of_suspended(sender, organisation, previous, actor, reason, **kwargs):
    """Forged credentials suspend the organisation: its open complaints are
    void (in the same transaction as the suspension)."""
    if organisation.status == OrganisationStatus.SUSPENDED:
        services.complaints_void_for_organisation(
            organisation=organisation, actor=actor, reason=reason
        )
    else:
        services.standing_evaluate(organisation=organisation)
