from django.db import migrations, models
from django.db.models import F


def queued_when_last_updated(apps, schema_editor):
    """Listings waiting for their scan were queued when last stored; one
    waiting far longer than the requeue delay lost its work and is sent again."""
    Listing = apps.get_model("marketplace", "Listing")
    Listing.objects.filter(status="pending").update(intake_queued_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0005_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="intake_queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="queued for intake"),
        ),
        migrations.RunPython(queued_when_last_updated, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["intake_queued_at"],
                name="listing_waiting_intake",
            ),
        ),
    ]
