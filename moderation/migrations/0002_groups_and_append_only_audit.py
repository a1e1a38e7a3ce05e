"""The staff groups and their permissions; on PostgreSQL, triggers that refuse UPDATE and DELETE
on the audit log and on reviews (the application refuses them too)."""

from django.db import migrations

GROUPS = {
    "Moderators": ["review_endings"],
    "Policy admins": ["review_endings", "tune_policy"],
}

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION chatsite_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_auditevent_append_only BEFORE UPDATE OR DELETE ON moderation_auditevent
    FOR EACH ROW EXECUTE FUNCTION chatsite_refuse_change();
CREATE TRIGGER moderation_review_append_only BEFORE UPDATE OR DELETE ON moderation_review
    FOR EACH ROW EXECUTE FUNCTION chatsite_refuse_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS moderation_auditevent_append_only ON moderation_auditevent;
DROP TRIGGER IF EXISTS moderation_review_append_only ON moderation_review;
DROP FUNCTION IF EXISTS chatsite_refuse_change();
"""


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="moderation", codename__in=codenames))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_groups, remove_groups),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
