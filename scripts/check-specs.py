#!/usr/bin/env python3
"""Check that every role's defaults/main.yml and meta/argument_specs.yml agree.

- every variable in defaults is described in the spec, with the same default;
- every optional spec option has a default in defaults/main.yml;
- every required option has none there, and every option has a description.
The spec is the one place a variable is described (issue 30): defaults/main.yml
holds the values only, and docs/variables.md and the READMEs are generated
from the spec (scripts/gen-docs.py).
Exit status 1 lists every disagreement.
"""
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    problems = []
    for role in sorted((ROOT / "roles").iterdir()):
        spec_file = role / "meta" / "argument_specs.yml"
        defaults_file = role / "defaults" / "main.yml"
        if not spec_file.exists():
            problems.append(f"{role.name}: no meta/argument_specs.yml")
            continue
        # Every entry point's options (tasks_from: record, release, ...): a
        # default in defaults/main.yml serves all of them.
        options = {}
        for entry in yaml.safe_load(spec_file.read_text())["argument_specs"].values():
            for name, option in (entry.get("options") or {}).items():
                options.setdefault(name, option)
        defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
        defaults = defaults or {}
        for name, value in defaults.items():
            if name not in options:
                problems.append(f"{role.name}: {name} is in defaults but not in the spec")
            elif options[name].get("default") != value:
                problems.append(
                    f"{role.name}: {name} defaults to {value!r} but the spec says {options[name].get('default')!r}"
                )
        for name, option in options.items():
            if option.get("required"):
                if name in defaults:
                    problems.append(f"{role.name}: {name} is required, so it must not have a default")
            elif name not in defaults:
                problems.append(f"{role.name}: {name} is in the spec but has no default")
            if not option.get("description"):
                problems.append(f"{role.name}: {name} has no description")
    for problem in problems:
        print(problem)
    print(f"check-specs: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
