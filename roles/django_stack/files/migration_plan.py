# Which of a release's pending migrations the serving release survives.
#
# During a blue/green switch the new release's migrations run while the
# previous release still serves (prepare.yml, then release.yml): every
# operation they apply must leave the database readable and writable by the
# previous release's code. This program lists what `manage.py migrate` would
# apply (Django's own MigrationExecutor.migration_plan against the live
# database) and classifies every operation:
#   compatible    the previous release keeps working (CreateModel, AddField
#                 that is nullable or has a db_default, indexes, options...);
#   incompatible  the previous release breaks (RemoveField, RenameField,
#                 DeleteModel, RenameModel, AlterField to NOT NULL or to
#                 another type, AddField NOT NULL with only a Python default);
#   unknown       Django cannot tell (RunSQL, RunPython, a custom operation):
#                 treated as incompatible.
# A migration that its author has checked marks itself safe with a class
# attribute: `djstack_compatible = True` on its Migration class makes all of
# its operations compatible (the reason says so).
#
# Run inside the new release's image: `python3 manage.py shell -c "<this
# file>"` (release-steps.py does it, in the container that runs the
# release's other one-off commands). It prints the marker below followed by
# a JSON object, and exits 3 when an operation is not compatible (0 when all
# are). Only the standard library and Django: it runs in the project's own
# image, whatever Python it has. The functions are pure and unit-tested
# (tests/unit/test_migration_classifier.py) on operations built in memory.
import json
import sys

MARKER = "@@django_stack migration plan@@"
SAFE_ATTRIBUTE = "djstack_compatible"
# Exit status when something is not compatible (release-steps.py may stop
# there, before the release's later steps).
RC_INCOMPATIBLE = 3

COMPATIBLE = "compatible"
INCOMPATIBLE = "incompatible"
UNKNOWN = "unknown"

# Operations that change nothing the previous release reads or writes.
_ALWAYS_COMPATIBLE = {
    "CreateModel": "a new table: the serving release does not use it",
    "AddIndex": "an index changes no query's result",
    "RemoveIndex": "an index changes no query's result",
    "RenameIndex": "an index changes no query's result",
    "AlterIndexTogether": "an index changes no query's result",
    "AddConstraint": "the columns stay as they are (the serving release's writes must satisfy it)",
    "RemoveConstraint": "the columns stay as they are",
    "AlterConstraint": "the columns stay as they are",
    "AlterUniqueTogether": "the columns stay as they are (the serving release's writes must satisfy it)",
    "AlterModelOptions": "Python-side options only",
    "AlterModelManagers": "Python-side managers only",
    "AlterModelTableComment": "a table comment only",
}
# Operations that take away or rename what the previous release uses.
_ALWAYS_INCOMPATIBLE = {
    "RemoveField": "the serving release still selects and writes this column",
    "RenameField": "the serving release still queries the old column name",
    "DeleteModel": "the serving release still queries this table",
    "RenameModel": "the serving release still queries the old table name",
    "AlterModelTable": "the table is renamed under the serving release",
    "AlterOrderWithRespectTo": "adds or drops the _order column the serving release writes",
}
_UNKNOWN = {
    "RunSQL": "raw SQL: Django cannot tell what it changes",
    "RunPython": "Python code: Django cannot tell what it changes",
}


def _verdict(verdict, reason):
    return {"verdict": verdict, "reason": reason}


def _model_state(state, app_label, model_name):
    """The ModelState of app_label.model_name in state, or None."""
    if state is None:
        return None
    return state.models.get((app_label, model_name.lower()))


def _without_table(state, app_label, model_name):
    """True for a model without a table of its own (proxy or unmanaged)."""
    model = _model_state(state, app_label, model_name)
    if model is None:
        return False
    return model.options.get("proxy", False) or not model.options.get("managed", True)


def _has_db_default(field):
    from django.db.models import NOT_PROVIDED

    return getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED


def _classify_add_field(field):
    if field.many_to_many:
        return _verdict(COMPATIBLE, "a new join table: the serving release does not use it")
    if getattr(field, "generated", False):
        return _verdict(COMPATIBLE, "a generated column: the database computes it")
    if field.null:
        return _verdict(COMPATIBLE, "a nullable column: the serving release's INSERTs leave it NULL")
    if _has_db_default(field):
        return _verdict(COMPATIBLE, "a column with a database default (db_default)")
    # Django adds a NOT NULL column with its Python default and then drops
    # the column's default: INSERTs that do not name it fail afterwards.
    return _verdict(
        INCOMPATIBLE,
        "a NOT NULL column without db_default: the serving release's INSERTs do not name it and fail"
        " (Django drops the default once the column is added; use null=True or db_default=)",
    )


def _decreased(old, new, key):
    a, b = old.get(key), new.get(key)
    return a is not None and b is not None and b < a


def _classify_alter_field(old_field, new_field):
    """Compare a field's state before and after an AlterField."""
    if old_field is None:
        return _verdict(UNKNOWN, "the field's previous state is not known")
    old_path, _, old_kwargs = old_field.deconstruct()[1:]
    new_path, _, new_kwargs = new_field.deconstruct()[1:]
    if old_path != new_path:
        return _verdict(
            INCOMPATIBLE,
            "changes the column's type (%s -> %s)" % (old_path.rsplit(".", 1)[-1], new_path.rsplit(".", 1)[-1]),
        )
    if old_kwargs.get("db_column") != new_kwargs.get("db_column"):
        return _verdict(INCOMPATIBLE, "renames the column (db_column) under the serving release")
    if old_kwargs.get("to") != new_kwargs.get("to"):
        return _verdict(INCOMPATIBLE, "points the foreign key at another model")
    if old_field.null and not new_field.null:
        return _verdict(INCOMPATIBLE, "makes the column NOT NULL: the serving release may still write NULL")
    if _has_db_default(old_field) and not _has_db_default(new_field) and not new_field.null:
        return _verdict(INCOMPATIBLE, "drops the column's db_default: the serving release's INSERTs rely on it")
    for key in ("max_length", "max_digits", "decimal_places"):
        if _decreased(old_kwargs, new_kwargs, key):
            return _verdict(
                INCOMPATIBLE,
                "narrows the column (%s %s -> %s): the serving release may write longer values"
                % (key, old_kwargs[key], new_kwargs[key]),
            )
    return _verdict(COMPATIBLE, "the column keeps its name and type, and accepts what it accepted")


def describe(operation):
    """A short name for an operation: 'RenameField note.text -> body'."""
    kind = type(operation).__name__
    model = getattr(operation, "model_name", None)
    if kind == "RenameField":
        return "%s %s.%s -> %s" % (kind, model, operation.old_name, operation.new_name)
    if kind == "RenameModel":
        return "%s %s -> %s" % (kind, operation.old_name_lower, operation.new_name_lower)
    if kind in ("AddField", "RemoveField", "AlterField"):
        return "%s %s.%s" % (kind, model, operation.name)
    if kind in ("CreateModel", "DeleteModel"):
        return "%s %s" % (kind, operation.name_lower)
    if kind == "RunPython":
        return "%s %s" % (kind, getattr(operation.code, "__name__", "code"))
    if model is not None:
        return "%s %s" % (kind, model)
    name = getattr(operation, "name", None)
    if isinstance(name, str):
        return "%s %s" % (kind, name.lower())
    return kind


def classify_operation(operation, app_label, state=None):
    """{"verdict", "reason"} for one operation applied to state (a ProjectState).

    state is the project state just before the operation: it tells an
    AlterField what the field was, and which models have no table.
    """
    kind = type(operation).__name__
    model = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if kind in ("DeleteModel", "RenameModel", "AddField", "RemoveField", "RenameField", "AlterField"):
        target = operation.old_name if kind == "RenameModel" else model
        if isinstance(target, str) and _without_table(state, app_label, target):
            return _verdict(COMPATIBLE, "a proxy or unmanaged model: no table changes")
    if kind == "SeparateDatabaseAndState":
        if not operation.database_operations:
            return _verdict(COMPATIBLE, "changes Django's migration state only, not the database")
        inner = classify_operations(operation.database_operations, app_label, state and state.clone())
        worst = _worst([item["verdict"] for item in inner])
        reasons = "; ".join("%s: %s" % (item["operation"], item["reason"]) for item in inner)
        return _verdict(worst, "its database operations: " + reasons)
    if kind in _ALWAYS_COMPATIBLE:
        return _verdict(COMPATIBLE, _ALWAYS_COMPATIBLE[kind])
    if kind in _ALWAYS_INCOMPATIBLE:
        return _verdict(INCOMPATIBLE, _ALWAYS_INCOMPATIBLE[kind])
    if kind in _UNKNOWN:
        return _verdict(UNKNOWN, _UNKNOWN[kind])
    if kind == "AddField":
        return _classify_add_field(operation.field)
    if kind == "AlterField":
        model_state = _model_state(state, app_label, operation.model_name)
        old_field = model_state.fields.get(operation.name) if model_state is not None else None
        return _classify_alter_field(old_field, operation.field)
    return _verdict(UNKNOWN, "a custom operation (%s): Django cannot tell what it changes" % kind)


def _worst(verdicts):
    for verdict in (INCOMPATIBLE, UNKNOWN):
        if verdict in verdicts:
            return verdict
    return COMPATIBLE


def classify_operations(operations, app_label, state=None):
    """Classify operations in order, moving state forward after each."""
    results = []
    for operation in operations:
        result = classify_operation(operation, app_label, state)
        result["operation"] = describe(operation)
        results.append(result)
        if state is not None:
            operation.state_forwards(app_label, state)
    return results


def classify_migration(migration, state=None):
    """One migration of the plan: its operations and whether it is compatible."""
    marked = getattr(migration, SAFE_ATTRIBUTE, False) is True
    operations = classify_operations(migration.operations, migration.app_label, state)
    if marked:
        for item in operations:
            if item["verdict"] != COMPATIBLE:
                item["reason"] = "marked safe by the migration (%s = True); otherwise %s: %s" % (
                    SAFE_ATTRIBUTE,
                    item["verdict"],
                    item["reason"],
                )
                item["verdict"] = COMPATIBLE
    return {
        "migration": "%s.%s" % (migration.app_label, migration.name),
        "marked_safe": marked,
        "compatible": all(item["verdict"] == COMPATIBLE for item in operations),
        "operations": operations,
    }


def summarize(migrations):
    """The plan's JSON result: every migration, and one line per incompatible one."""
    incompatible = [item for item in migrations if not item["compatible"]]
    # notes.0002_rename (RenameField note.text -> body)
    lines = [
        "%s (%s)"
        % (
            item["migration"],
            ", ".join(op["operation"] for op in item["operations"] if op["verdict"] != COMPATIBLE),
        )
        for item in incompatible
    ]
    # "2 migrations, 1 incompatible with the serving release: notes.0002_rename (...)"
    text = "%d migration%s, %d incompatible with the serving release" % (
        len(migrations),
        "" if len(migrations) == 1 else "s",
        len(incompatible),
    )
    return {
        "planned": len(migrations),
        "incompatible": len(incompatible),
        "migrations": migrations,
        "lines": lines,
        "text": text + (": " + "; ".join(lines) if lines else ""),
    }


def classify_new_app(migration):
    """A migration of an app the live database has no migration of: compatible.

    None of the app's tables exist yet, so the serving release cannot be
    reading them (an empty database restored onto a new db host, or an app
    the release adds, with its own later RemoveField/AlterField steps).
    """
    reason = "the app %s has no applied migration in this database: nothing of it exists yet" % migration.app_label
    return {
        "migration": "%s.%s" % (migration.app_label, migration.name),
        "marked_safe": False,
        "compatible": True,
        "operations": [
            {"operation": describe(operation), "verdict": COMPATIBLE, "reason": reason}
            for operation in migration.operations
        ],
    }


def classify_plan(plan, state_before, applied_apps=None):
    """Classify a migration plan: [(migration, backwards)] as MigrationExecutor gives it.

    state_before(migration) returns the project state just before it;
    applied_apps, the app labels with at least one applied migration (None:
    every app has some).
    """
    migrations = []
    for migration, backwards in plan:
        if not backwards and applied_apps is not None and migration.app_label not in applied_apps:
            migrations.append(classify_new_app(migration))
            continue
        if backwards:
            # `migrate` without a target only goes forwards; unapplying is
            # rollback.yml's business.
            migrations.append(
                {
                    "migration": "%s.%s" % (migration.app_label, migration.name),
                    "marked_safe": False,
                    "compatible": False,
                    "operations": [{"operation": "unapply", "verdict": UNKNOWN, "reason": "a migration to unapply"}],
                }
            )
            continue
        migrations.append(classify_migration(migration, state_before(migration)))
    return summarize(migrations)


def main():
    """Classify what `manage.py migrate` would apply to the live database."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    # As `migrate` without arguments: every app to its leaf migration.
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())

    def state_before(migration):
        return executor.loader.project_state((migration.app_label, migration.name), at_end=False)

    applied_apps = {app_label for app_label, _name in executor.loader.applied_migrations}
    result = classify_plan(plan, state_before, applied_apps)
    print(MARKER + json.dumps(result), flush=True)
    sys.exit(RC_INCOMPATIBLE if result["incompatible"] else 0)


# `manage.py shell -c` runs this source with the shell command's globals
# (Django is set up by then); a plain `python3 migration_plan.py` needs
# DJANGO_SETTINGS_MODULE and django.setup() first.
if __name__ == "django.core.management.commands.shell":
    main()
elif __name__ == "__main__":
    import django

    django.setup()
    main()
