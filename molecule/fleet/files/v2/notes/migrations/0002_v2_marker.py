"""Test fixture (release v2): a real schema change, so the deploy backs up and migrates."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE notes_v2_marker (id integer PRIMARY KEY)",
            "DROP TABLE notes_v2_marker",
        ),
    ]
