import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Existing listings count as queued when the field is added (one constant
    default, no table rewrite): one still waiting 15 minutes later lost its
    work and is sent again; none is taken for a send that failed."""

    dependencies = [
        ("marketplace", "0005_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="intake_queued_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                null=True,
                verbose_name="queued for intake",
            ),
        ),
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["intake_queued_at"],
                name="listing_waiting_intake",
            ),
        ),
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("intake_queued_at__isnull", True)),
                fields=["id"],
                name="listing_intake_unsent",
            ),
        ),
    ]
