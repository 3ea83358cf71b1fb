# Runs a release's one-off manage.py commands in one container, so that a
# deploy starts one container (and pays its start once) instead of one per
# command. Run as `python3 -c "<this file>" '<steps>'` in the new release's
# app container: <steps> is a JSON list of [name, [manage.py arguments]] or
# [name, [manage.py arguments], true]. Each command runs in turn as
# `<python> manage.py <arguments>`, whatever the others returned, except
# after a failed step marked true: the later steps do not run then (the
# migration plan refused stops collectstatic: nothing changes). The last
# line printed is the marker below followed by a JSON object: {name: {"rc": int, "stdout": str, "stderr": str}}.
# Only the standard library: it runs in the project's own image.
import json
import subprocess
import sys

MARKER = "@@django_stack release steps@@"

results = {}
for step in json.loads(sys.argv[1]):
    name, arguments = step[0], step[1]
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=False,
    )
    results[name] = {
        "rc": done.returncode,
        "stdout": done.stdout.decode("utf-8", "replace"),
        "stderr": done.stderr.decode("utf-8", "replace"),
    }
    if done.returncode != 0 and len(step) > 2 and step[2]:
        break
print(MARKER + json.dumps(results), flush=True)
