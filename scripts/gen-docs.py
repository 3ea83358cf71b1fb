#!/usr/bin/env python3
"""Generate the variable docs from the roles' meta/argument_specs.yml.

- Each role's README.md gets its arguments (every entry point) between
  <!-- BEGIN_ANSIBLE_DOCS --> and <!-- END_ANSIBLE_DOCS -->, written by
  aar-doc (requirements.txt).
- The top README.md gets one table of every variable a user sets (the main
  entry point of each role in deploy order, without the inputs the playbooks
  wire themselves) between <!-- BEGIN_VARIABLES --> and <!-- END_VARIABLES -->.

  scripts/gen-docs.py           rewrite the docs in place
  scripts/gen-docs.py --check   fail (exit 1) when a doc is not current
                                (make lint runs this; CI with it)
"""
import argparse
import difflib
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Roles in the order deploy.yml applies them; the rest follow by name.
ORDER = ["preflight", "deploy_lock", "fast_rerun", "trusted_ca", "firewall", "ssh_hardening",
         "unattended_upgrades", "docker_engine", "app_source", "django_image", "django_backup",
         "acme_certificate", "django_stack", "django_fleet", "django_db", "django_lb"]
# Inputs the playbooks wire from other roles' outputs: not for the inventory.
WIRED = {
    "django_image": {"django_image_repository", "django_image_release", "django_image_source_dir",
                     "django_image_work_dir", "django_image_project_module", "django_image_step_runner",
                     "django_image_builder", "django_image_hosts"},
    "acme_certificate": {"acme_certificate_name", "acme_certificate_domains", "acme_certificate_webroot",
                         "acme_certificate_deploy_hook"},
    "django_backup": {"django_backup_name", "django_backup_stack_dir", "django_backup_restore_file"},
    "django_stack": {"django_stack_release", "django_stack_backup_command", "django_stack_fleet_hosts",
                     "django_stack_backup_host"},
    "django_lb": {"django_lb_backends"},
    "deploy_lock": {"deploy_lock_name", "deploy_lock_step", "deploy_lock_hosts"},
    "fast_rerun": {"fast_rerun_roles", "fast_rerun_full_run"},
    "preflight": {"preflight_validate_roles", "preflight_renamed_variables", "preflight_validate_roles_db",
                  "preflight_validate_roles_lb"},
}
BEGIN, END = "<!-- BEGIN_VARIABLES -->", "<!-- END_VARIABLES -->"


def roles(root):
    names = sorted(p.name for p in (root / "roles").iterdir() if (p / "meta/argument_specs.yml").exists())
    return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def default(option):
    if option.get("required"):
        return "required"
    value = option.get("default")
    if value in ("", [], {}):
        return "`%s`" % {str: '""', list: "[]", dict: "{}"}[type(value)]
    if isinstance(value, bool):
        return "`%s`" % str(value).lower()
    if isinstance(value, (list, dict)):
        value = yaml.safe_dump(value, default_flow_style=True).strip()
    return "`%s`" % cell(value)


def variables_table(root):
    rows = ["| Variable | Role | Default | Meaning |", "| --- | --- | --- | --- |"]
    for role in roles(root):
        spec = yaml.safe_load((root / "roles" / role / "meta/argument_specs.yml").read_text())
        options = spec["argument_specs"].get("main", {}).get("options", {})
        for name, option in options.items():
            if name in WIRED.get(role, ()):
                continue
            rows.append("| `%s` | [%s](roles/%s/README.md) | %s | %s |" % (
                name, role, role, default(option), cell(option.get("description", ""))))
    return "\n".join(rows) + "\n"


def generate(root):
    aar_doc = shutil.which("aar-doc") or str(pathlib.Path(sys.executable).parent / "aar-doc")
    for role in roles(root):
        readme = root / "roles" / role / "README.md"
        text = readme.read_text() if readme.exists() else "# %s\n" % role
        if "<!-- BEGIN_ANSIBLE_DOCS -->" not in text:
            text = text.rstrip("\n") + "\n\n<!-- BEGIN_ANSIBLE_DOCS -->\n<!-- END_ANSIBLE_DOCS -->\n"
            readme.write_text(text)
        subprocess.run([aar_doc, str(root / "roles" / role), "markdown"], check=True,
                       stdout=subprocess.DEVNULL, cwd=root / "roles" / role)
    readme = root / "README.md"
    text = readme.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + BEGIN + "\n" + variables_table(root) + END + tail)


def docs(root):
    files = [root / "README.md"] + sorted((root / "roles").glob("*/README.md"))
    return {str(p.relative_to(root)): p.read_text() for p in files}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report docs that are not current")
    args = parser.parse_args()
    if not args.check:
        generate(ROOT)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "build", ".ansible"))
        generate(copy)
        before, after = docs(ROOT), docs(copy)
    stale = [name for name in after if before.get(name) != after[name]]
    for name in stale:
        sys.stdout.writelines(difflib.unified_diff(
            before.get(name, "").splitlines(True), after[name].splitlines(True), name, name + " (generated)", n=1))
    if stale:
        print("gen-docs: %s not current; run scripts/gen-docs.py (make docs) and commit." % ", ".join(stale))
        return 1
    print("gen-docs: the variable docs are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
