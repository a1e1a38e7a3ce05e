"""Version 1's note said "The defaults of DESIGN 4." (a reference to an internal document that
policy admins do not have); it now says what the defaults are. Only that exact note is replaced,
so a note an admin wrote is kept."""

from django.db import migrations

OLD_NOTE = "The defaults of DESIGN 4."
NEW_NOTE = (
    "The default policy: a turn counts as a strike when a counted category reaches severity 3; "
    "strike 1 refuses, 2 offers a safe direction, 3 warns, 4 ends the chat (only after a warning). "
    "Strikes decay after calm turns; crisis mode never ends a chat."
)


def reword(apps, schema_editor):
    apps.get_model("moderation", "PolicyVersion").objects.filter(number=1, note=OLD_NOTE).update(note=NEW_NOTE)


def restore(apps, schema_editor):
    apps.get_model("moderation", "PolicyVersion").objects.filter(number=1, note=NEW_NOTE).update(note=OLD_NOTE)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0005_complaint_loop_assignment_and_notices")]

    operations = [migrations.RunPython(reword, restore)]
