from django.db import migrations, models
from django.db.models.functions import Now


def sent_when_migrated(apps, schema_editor):
    """Unfinished chunks of sweeps still queued or running count as sent now
    (not when their sweep began, which would send a long sweep's queued chunks
    again at once); the others (finished, or of stopped sweeps) need no time."""
    ScanChunk = apps.get_model("detection", "ScanChunk")
    ScanChunk.objects.filter(finished=False, job__status__in=["queued", "running"]).update(
        dispatched_at=Now()
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
        migrations.RunPython(sent_when_migrated, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="scanchunk",
            index=models.Index(
                condition=models.Q(("dispatched_at__isnull", False), ("finished", False)),
                fields=["dispatched_at", "id"],
                name="scan_chunk_unfinished",
            ),
        ),
    ]
