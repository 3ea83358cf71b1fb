"""Test fixture (release v4): a migration that fails."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "0002_v2_marker")]

    operations = [
        migrations.RunSQL("INSERT INTO notes_no_such_table VALUES (1)", migrations.RunSQL.noop),
    ]
