#!/usr/bin/env python3
"""Check the relative links of the project's Markdown files.

Every [text](target) whose target is not a URL must name a file or directory
that exists, and a #fragment must name a heading of the target (GitHub's
anchors: lowercase, punctuation dropped, spaces as hyphens). Links inside
fenced code blocks are ignored. make lint runs this.

  scripts/check-links.py [FILE.md ...]   (default: every Markdown file git knows)
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
URL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text):
    """The lines outside fenced code blocks, with their numbers."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def anchors(path):
    found = set()
    for _, line in prose(path.read_text()):
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slug = re.sub(r"[^\w\- ]", "", match.group(1).replace("`", "").lower()).replace(" ", "-")
            base, n = slug, 1
            while slug in found:
                slug, n = "%s-%d" % (base, n), n + 1
            found.add(slug)
    return found


def broken(path):
    for number, line in prose(path.read_text()):
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if URL.match(target):
                continue
            file_part, _, fragment = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                yield "%s:%d: %s: no such file" % (path.relative_to(ROOT), number, target)
            elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
                yield "%s:%d: %s: no heading #%s in %s" % (path.relative_to(ROOT), number, target, fragment,
                                                            dest.relative_to(ROOT))


def main(argv):
    if argv:
        files = [pathlib.Path(a).resolve() for a in argv]
    else:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
                                cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
        files = [ROOT / name for name in listed if (ROOT / name).exists()]
    errors = [error for path in files for error in broken(path)]
    for error in errors:
        print(error)
    if errors:
        print("check-links: %d broken link(s)" % len(errors))
        return 1
    print("check-links: %d Markdown files, every relative link resolves" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
