# Runs a release's one-off manage.py commands in one container, so that a
# deploy starts one container (and pays its start once) instead of one per
# command. Run as `python3 -c "<this file>" '<steps>'` in the new release's
# app container: <steps> is a JSON list of [name, [manage.py arguments]].
# Each command runs in turn as `<python> manage.py <arguments>`, whatever
# the others returned. The last line printed is the marker below followed by
# a JSON object: {name: {"rc": int, "stdout": str, "stderr": str}}.
# Only the standard library: it runs in the project's own image.
import json
import subprocess
import sys

MARKER = "@@django_stack release steps@@"

results = {}
for name, arguments in json.loads(sys.argv[1]):
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
print(MARKER + json.dumps(results), flush=True)
