"""Where and when a benchmark ran, saved with its figures.

The bench scripts save build/bench/<kind>.json through save(): the figures
with the commit they were measured on (`git rev-parse --short HEAD`, with
"-dirty" when the tree has uncommitted changes), the UTC date and the
machine's cores and load. scripts/gen-figures.py renders a saved run into
docs/performance.md and refuses one without commit and date.
"""
import datetime
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"


def git_commit(root: pathlib.Path = ROOT) -> str:
    """The short commit of HEAD, "-dirty" appended when anything is uncommitted."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                            capture_output=True, text=True).stdout.strip()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    return commit + ("-dirty" if status.strip() else "")


def provenance(root: pathlib.Path = ROOT, now: datetime.datetime | None = None) -> dict:
    now = now or datetime.datetime.now(datetime.UTC)
    return {"commit": git_commit(root),
            "date": now.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cores": os.cpu_count(), "load_average": [round(x, 1) for x in os.getloadavg()]}}


def save(kind: str, figures: dict, out: pathlib.Path = OUT, root: pathlib.Path = ROOT) -> pathlib.Path:
    """Write out/<kind>.json: the provenance first, then the figures."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}.json"
    path.write_text(json.dumps(dict(provenance(root), **figures), indent=2) + "\n")
    return path
