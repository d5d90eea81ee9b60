from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def sent_when_their_sweep_started(apps, schema_editor):
    """Unfinished chunks of sweeps still queued or running were sent when their
    sweep was created; the others (finished, or of stopped sweeps) need no time."""
    ScanChunk = apps.get_model("detection", "ScanChunk")
    ScanJob = apps.get_model("detection", "ScanJob")
    ScanChunk.objects.filter(finished=False, job__status__in=["queued", "running"]).update(
        dispatched_at=Subquery(ScanJob.objects.filter(pk=OuterRef("job_id")).values("created_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0005_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanchunk",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent to the queue"),
        ),
        migrations.RunPython(sent_when_their_sweep_started, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="scanchunk",
            index=models.Index(
                condition=models.Q(("dispatched_at__isnull", False), ("finished", False)),
                fields=["dispatched_at", "id"],
                name="scan_chunk_unfinished",
            ),
        ),
    ]
