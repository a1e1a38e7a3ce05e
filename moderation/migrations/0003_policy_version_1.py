"""Version 1 of the policy: the defaults of DESIGN 4, active."""

from django.db import migrations


def create_version_1(apps, schema_editor):
    from moderation.policy import PolicySettings

    PolicyVersion = apps.get_model("moderation", "PolicyVersion")
    if not PolicyVersion.objects.filter(number=1).exists():
        PolicyVersion.objects.create(
            number=1,
            settings=PolicySettings().to_dict(),
            status="active",
            note="The defaults of DESIGN 4.",
        )


def remove_version_1(apps, schema_editor):
    apps.get_model("moderation", "PolicyVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_groups_and_append_only_audit")]

    operations = [migrations.RunPython(create_version_1, remove_version_1)]
