"""Endings record the user message whose turn they ended (the closed-message rule starts there)."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Ending = apps.get_model("conversations", "Ending")
    Message = apps.get_model("conversations", "Message")
    for ending in Ending.objects.all().iterator():
        turn = Message.objects.get(id=ending.notice_id).parent
        while turn.role != "user":
            turn = turn.parent
        Ending.objects.filter(pk=ending.pk).update(ended_turn=turn)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="ending",
            name="ended_turn",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.message"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
