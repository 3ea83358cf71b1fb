"""roles/django_stack/files/migration_plan.py: which migrations the serving release survives.

Operations are built in memory, on a project state like the sample app's
(notes.Note with text and created_at), and classified as the program does
inside a release's image.
"""

import importlib.util
import pathlib

import django
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(INSTALLED_APPS=[], DATABASES={}, USE_TZ=True)
    django.setup()

from django.db import migrations, models  # noqa: E402
from django.db.migrations.state import ModelState, ProjectState  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "migration_plan", ROOT / "roles" / "django_stack" / "files" / "migration_plan.py"
)
plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plan)


def note_state(**options):
    """The sample app's state after notes.0001_initial."""
    state = ProjectState()
    state.add_model(
        ModelState(
            "notes",
            "Note",
            [
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("text", models.CharField(max_length=200)),
                ("maybe", models.CharField(max_length=20, null=True)),
                ("count", models.IntegerField(db_default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options=options,
        )
    )
    return state


def verdict(operation, state=None):
    return plan.classify_operation(operation, "notes", note_state() if state is None else state)


def migration(name, operations, safe=None):
    attributes = {"operations": operations, "dependencies": []}
    if safe is not None:
        attributes[plan.SAFE_ATTRIBUTE] = safe
    cls = type("Migration", (migrations.Migration,), attributes)
    return cls(name, "notes")


@pytest.mark.parametrize(
    "operation",
    [
        migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True)), ("name", models.TextField())]),
        migrations.AddField("note", "tag", models.CharField(max_length=20, null=True)),
        migrations.AddField("note", "tag", models.CharField(max_length=20, db_default="")),
        migrations.AddField("note", "tags", models.ManyToManyField("notes.Note")),
        migrations.AddIndex("note", models.Index(fields=["text"], name="note_text_idx")),
        migrations.RemoveIndex("note", "note_text_idx"),
        migrations.AlterModelOptions("note", {"ordering": ["id"]}),
        migrations.RemoveConstraint("note", "note_text_unique"),
        migrations.AlterField("note", "text", models.CharField(max_length=250)),
        migrations.AlterField("note", "text", models.CharField(max_length=200, null=True)),
        migrations.AlterField("note", "text", models.CharField(max_length=200, help_text="shown")),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("note", "text")]),
    ],
    ids=lambda operation: plan.describe(operation),
)
def test_additive_operations_are_compatible(operation):
    result = verdict(operation)
    assert result["verdict"] == plan.COMPATIBLE, result["reason"]


@pytest.mark.parametrize(
    "operation, reason",
    [
        (migrations.RemoveField("note", "text"), "still selects"),
        (migrations.RenameField("note", "text", "body"), "old column name"),
        (migrations.DeleteModel("Note"), "table"),
        (migrations.RenameModel("Note", "Memo"), "old table name"),
        (migrations.AlterModelTable("note", "memos"), "renamed"),
        (migrations.AddField("note", "tag", models.CharField(max_length=20)), "without db_default"),
        # A Python default is dropped from the column once it is added.
        (migrations.AddField("note", "tag", models.CharField(max_length=20, default="x")), "without db_default"),
        (migrations.AlterField("note", "maybe", models.CharField(max_length=20)), "NOT NULL"),
        (migrations.AlterField("note", "text", models.TextField()), "CharField -> TextField"),
        (migrations.AlterField("note", "text", models.CharField(max_length=100)), "max_length 200 -> 100"),
        (migrations.AlterField("note", "text", models.CharField(max_length=200, db_column="body")), "db_column"),
        (migrations.AlterField("note", "count", models.IntegerField()), "db_default"),
        (
            migrations.SeparateDatabaseAndState(database_operations=[migrations.RemoveField("note", "text")]),
            "RemoveField note.text",
        ),
    ],
    ids=lambda value: plan.describe(value) if not isinstance(value, str) else "",
)
def test_operations_that_break_the_serving_release_are_incompatible(operation, reason):
    result = verdict(operation)
    assert result["verdict"] == plan.INCOMPATIBLE
    assert reason in result["reason"]


@pytest.mark.parametrize(
    "operation",
    [
        migrations.RunSQL("ALTER TABLE notes_note DROP COLUMN text", migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop),
    ],
    ids=["RunSQL", "RunPython"],
)
def test_code_is_unknown_and_counts_as_incompatible(operation):
    assert verdict(operation)["verdict"] == plan.UNKNOWN
    result = plan.classify_migration(migration("0002_code", [operation]), note_state())
    assert result["compatible"] is False


def test_a_custom_operation_is_unknown():
    class Backfill(migrations.operations.base.Operation):
        def state_forwards(self, app_label, state):
            pass

    result = verdict(Backfill())
    assert result["verdict"] == plan.UNKNOWN
    assert "Backfill" in result["reason"]


def test_a_migration_marked_safe_makes_its_code_compatible():
    result = plan.classify_migration(
        migration("0002_v2_marker", [migrations.RunSQL("CREATE TABLE t (id integer)")], safe=True),
        note_state(),
    )
    assert result["compatible"] is True
    assert result["marked_safe"] is True
    assert "marked safe" in result["operations"][0]["reason"]
    assert "unknown" in result["operations"][0]["reason"]


def test_only_true_marks_a_migration_safe():
    result = plan.classify_migration(migration("0002_x", [migrations.RunSQL("SELECT 1")], safe="yes"), note_state())
    assert result["compatible"] is False


def test_proxy_and_unmanaged_models_have_no_table_to_break():
    for options in ({"proxy": True}, {"managed": False}):
        assert verdict(migrations.DeleteModel("Note"), note_state(**options))["verdict"] == plan.COMPATIBLE
        assert verdict(migrations.RemoveField("note", "text"), note_state(**options))["verdict"] == plan.COMPATIBLE


def test_alter_field_reads_the_state_left_by_earlier_operations():
    # The first operation makes text nullable; the second makes it NOT NULL
    # again: only the second breaks the serving release.
    result = plan.classify_migration(
        migration(
            "0002_nullable",
            [
                migrations.AlterField("note", "text", models.CharField(max_length=200, null=True)),
                migrations.AlterField("note", "text", models.CharField(max_length=200)),
            ],
        ),
        note_state(),
    )
    assert [item["verdict"] for item in result["operations"]] == [plan.COMPATIBLE, plan.INCOMPATIBLE]


def test_the_plan_summary_names_each_incompatible_migration_and_operation():
    additive = migration("0002_tag", [migrations.AddField("note", "tag", models.CharField(max_length=20, null=True))])
    rename = migration(
        "0003_rename",
        [
            migrations.AddIndex("note", models.Index(fields=["text"], name="note_text_idx")),
            migrations.RenameField("note", "text", "body"),
        ],
    )
    states = {"0002_tag": note_state(), "0003_rename": note_state()}
    result = plan.classify_plan([(additive, False), (rename, False)], lambda m: states[m.name])
    assert result["planned"] == 2
    assert result["incompatible"] == 1
    assert result["lines"] == ["notes.0003_rename (RenameField note.text -> body)"]
    assert result["text"] == (
        "2 migrations, 1 incompatible with the serving release: notes.0003_rename (RenameField note.text -> body)"
    )
    assert [item["compatible"] for item in result["migrations"]] == [True, False]


def test_a_backwards_step_is_never_compatible():
    result = plan.classify_plan([(migration("0002_tag", []), True)], lambda m: note_state())
    assert result["incompatible"] == 1


def test_nothing_to_apply_says_so():
    assert (
        plan.classify_plan([], lambda m: note_state())["text"]
        == "0 migrations, 0 incompatible with the serving release"
    )


def test_an_app_new_to_the_database_cannot_break_the_serving_release():
    # An empty database (a new db host before its restore) or an app the
    # release adds: its later steps (contenttypes' RemoveField, auth's
    # AlterField) change tables nothing reads yet.
    remove = migration("0002_remove", [migrations.RemoveField("note", "text")])
    result = plan.classify_plan([(remove, False)], lambda m: note_state(), applied_apps={"auth"})
    assert result["incompatible"] == 0
    assert "no applied migration" in result["migrations"][0]["operations"][0]["reason"]
    # The same step of an app that has applied migrations is refused.
    result = plan.classify_plan([(remove, False)], lambda m: note_state(), applied_apps={"notes"})
    assert result["incompatible"] == 1
