#!/usr/bin/env bash
# Publish a directory (default: app/) as a git repository that a test git host
# serves: snapshot it into a work clone, commit when something changed and push
# to a bare repository. Prints the commit now at the tip of main.
#   scripts/publish-app-repo.sh SRC_DIR BARE_REPO [MESSAGE]
# The one implementation is tests/lib/djstack_test.py's publish() (kept here
# for playbooks/sandbox.yml, the scenarios' create.yml and the bench scripts).
set -euo pipefail
exec python3 "$(dirname "$(realpath "$0")")/../tests/lib/djstack_test.py" publish "$@"
