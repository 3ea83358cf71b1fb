#!/usr/bin/env python3
"""Fail when a Jinja expression in roles/, playbooks/ or deploy.yml spans more
than MAX_LINES lines: logic that long belongs in a filter plugin
(plugins/filter/) with a unit test. Templates (*.j2) are not checked: they
are the files being written.

Also fail when a condition (that, when, failed_when, changed_when, until) in
those files, molecule/ or tests/ was read by YAML as a mapping: an unquoted
condition holding ": " (e.g. default({'ok': 0})) is not a string, and
Ansible stops at run time with "Conditional expressions must be strings",
which --syntax-check and ansible-lint do not see."""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_LINES = 5
EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def long_expressions(root=ROOT, max_lines=MAX_LINES):
    files = sorted((root / "roles").rglob("*.yml")) + sorted((root / "playbooks").rglob("*.yml"))
    files += [root / "deploy.yml"]
    found = []
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text()
        for match in EXPRESSION.finditer(text):
            lines = match.group(0).count("\n") + 1
            if lines > max_lines:
                found.append((path.relative_to(root), text.count("\n", 0, match.start()) + 1, lines))
    return found


CONDITIONS = ("that", "when", "failed_when", "changed_when", "until")


def mapping_conditions(root=ROOT):
    """(file, key) of each condition that YAML read as a mapping."""
    files = [p for d in ("roles", "playbooks", "molecule", "tests") for p in sorted((root / d).rglob("*.yml"))]
    files += [root / "deploy.yml"]
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CONDITIONS:
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, dict):
                            found.append((path.relative_to(root), key, item))
                walk(value, path)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    for path in files:
        if not path.is_file() or "/.venv/" in str(path):
            continue
        try:
            walk(yaml.safe_load(path.read_text()), path)
        except yaml.YAMLError:
            continue  # yamllint reports it
    return found


def main() -> int:
    found = long_expressions()
    for path, line, lines in found:
        print("%s:%d: a Jinja expression of %d lines (at most %d): move the logic to a filter plugin"
              % (path, line, lines, MAX_LINES))
    mappings = mapping_conditions()
    for path, key, item in mappings:
        print("%s: a %s condition that YAML read as a mapping (%s): quote it" % (path, key, item))
    print("check-jinja: %d expression(s) over %d lines, %d condition(s) read as mappings"
          % (len(found), MAX_LINES, len(mappings)))
    return 1 if found or mappings else 0


if __name__ == "__main__":
    sys.exit(main())
