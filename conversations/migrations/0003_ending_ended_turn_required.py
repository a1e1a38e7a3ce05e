"""Every ending has its ended turn (0002 filled them in); a separate migration, so that PostgreSQL
alters the column in a transaction of its own, after the backfill's updates."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0002_ending_ended_turn")]

    operations = [
        migrations.AlterField(
            model_name="ending",
            name="ended_turn",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.message"
            ),
        ),
    ]
