from django.db import migrations

# The platform's opening list of "haze" terms; reviewers edit it in the console.
DEFAULT_HAZE_TERMS = [
    "same style",
    "same as",
    "imitation",
    "comparable",
    "replica",
    "1:1",
    "AAA",
    "dupe",
    "inspired by",
    "mirror quality",
    "high copy",
    "super copy",
    "copy",
    "fake",
    "knockoff",
    "unbranded version",
    "同款",
    "仿",
    "平替",
    "高仿",
    "复刻",
    "原单",
    "一比一",
    "A货",
]


def add_terms(apps, schema_editor):
    HazeTerm = apps.get_model("detection", "HazeTerm")
    HazeTerm.objects.bulk_create(
        [HazeTerm(term=t) for t in DEFAULT_HAZE_TERMS], ignore_conflicts=True
    )
    DetectionPolicy = apps.get_model("detection", "DetectionPolicy")
    if not DetectionPolicy.objects.exists():
        DetectionPolicy.objects.create()


def remove_terms(apps, schema_editor):
    apps.get_model("detection", "HazeTerm").objects.filter(term__in=DEFAULT_HAZE_TERMS).delete()


class Migration(migrations.Migration):
    dependencies = [("detection", "0001_initial")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
