#!/usr/bin/env bash
# Publish a directory (default: app/) as a git repository that a test git host
# serves: snapshot it into a work clone, commit when something changed and push
# to a bare repository. Prints the commit now at the tip of main.
#   scripts/publish-app-repo.sh SRC_DIR BARE_REPO [MESSAGE]
set -euo pipefail

src=$(realpath "$1")
bare=$(realpath -m "$2")
message=${3:-"Publish $(basename "$src")"}
work="${bare%.git}.work"

export GIT_AUTHOR_NAME="django-stack tests" GIT_AUTHOR_EMAIL="tests@django-stack.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

if [[ ! -d "$bare" ]]; then
  git init -q --bare --initial-branch=main "$bare"
fi
if [[ ! -d "$work/.git" ]]; then
  rm -rf "$work"
  git init -q --initial-branch=main "$work"
  git -C "$work" remote add origin "$bare"
fi

# Mirror the source tree (without build leftovers) into the work clone.
find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
tar -C "$src" --exclude=__pycache__ --exclude='*.pyc' --exclude=db.sqlite3 -cf - . | tar -C "$work" -xf -

git -C "$work" add -A
if ! git -C "$work" diff --cached --quiet || ! git -C "$work" rev-parse -q --verify HEAD >/dev/null; then
  git -C "$work" commit -q -m "$message"
fi
git -C "$work" push -q origin main
# git-daemon serves only repositories it may read; keep them world-readable.
chmod -R a+rX "$bare"
git -C "$work" rev-parse HEAD
