"""Filters of the django_image role that read a checkout: which packages can
be the Django project module, and what stops the build (the message a user
reads before anything changes). Unit tests: tests/unit/test_filter_djstack_project.py.
"""

import posixpath


def project_module_candidates(paths, source_dir):
    """Dotted names of the packages under source_dir holding both settings.py
    and wsgi.py, sorted (paths: every settings.py and wsgi.py found)."""
    dirs = {}
    for path in paths or []:
        dirs.setdefault(posixpath.dirname(path), set()).add(posixpath.basename(path))
    return sorted(posixpath.relpath(d, source_dir).replace("/", ".")
                  for d, names in dirs.items() if {"settings.py", "wsgi.py"} <= names)


def project_build_problem(project_files, use_builtin, dockerfile, dockerfile_source, repo_without_cmd, project_module,
                          candidates):
    """Why the project cannot be built as configured, with the fix, or "".

    project_files: the top-level files the checkout has (of manage.py,
    requirements.txt, pyproject.toml and the Dockerfile); use_builtin: the
    built-in Dockerfile builds it; dockerfile_source: auto|builtin|repo;
    repo_without_cmd: the repository's Dockerfile has no CMD/ENTRYPOINT;
    project_module: django_stack_project_module; candidates: see above.
    """
    files = list(project_files or [])
    if not use_builtin and dockerfile not in files:
        problem = "The repository has no %s (django_image_dockerfile_source is repo)." % dockerfile
    elif not use_builtin:
        if project_module or not repo_without_cmd:
            return ""
        problem = ("The repository's %s has no CMD or ENTRYPOINT, so the role runs gunicorn for the project module, "
                   "and django_stack_project_module is empty." % dockerfile)
    elif not project_module:
        because = " because the repository has no " + dockerfile if dockerfile_source == "auto" else ""
        problem = ("The built-in Dockerfile needs django_stack_project_module (the package holding settings.py and "
                   "wsgi.py)%s." % because)
    elif "manage.py" not in files or not ({"requirements.txt", "pyproject.toml"} & set(files)):
        problem = ("The built-in Dockerfile needs manage.py and requirements.txt or pyproject.toml at the top of the "
                   "repository; found: %s." % (", ".join(files) or "none of them"))
    else:
        return ""
    if project_module:
        return problem
    if len(candidates) == 1:
        hint = ("This repository has one such package (settings.py and wsgi.py): set django_stack_project_module: "
                "%s (django_image_project_module for this role alone)." % candidates[0])
    elif candidates:
        hint = "Packages with settings.py and wsgi.py here: %s." % ", ".join(candidates)
    else:
        return problem
    return problem + " " + hint


class FilterModule:
    def filters(self):
        return {
            "djstack_project_module_candidates": project_module_candidates,
            "djstack_project_build_problem": project_build_problem,
        }
