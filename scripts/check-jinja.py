#!/usr/bin/env python3
"""Fail when a Jinja expression in roles/, playbooks/ or deploy.yml spans more
than MAX_LINES lines: logic that long belongs in a filter plugin
(plugins/filter/) with a unit test. Templates (*.j2) are not checked: they
are the files being written."""
import pathlib
import re
import sys

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


def main() -> int:
    found = long_expressions()
    for path, line, lines in found:
        print("%s:%d: a Jinja expression of %d lines (at most %d): move the logic to a filter plugin"
              % (path, line, lines, MAX_LINES))
    print("check-jinja: %d expression(s) over %d lines" % (len(found), MAX_LINES))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
