"""Filters of the django_image role: the docker build command line and the
base image's digest, built in Python so that each branch has a unit test
(tests/unit/test_filter_djstack_image.py) instead of living in a 16-line
Jinja expression.
"""

import re

_DOCKER_HUB_PREFIX = re.compile(r"^(docker\.io/)?(library/)?")


def base_repo_digest(repo_digests, repository):
    """The base image's name@sha256:... in its own repository, or "".

    repo_digests is docker image inspect's RepoDigests (Docker Hub's may be
    written docker.io/library/python@sha256:...); repository is the base
    image's name without its tag (python, registry.example/team/python).
    An image loaded from an archive has no repository digest: "".
    """
    for entry in repo_digests or []:
        name = _DOCKER_HUB_PREFIX.sub("", str(entry), count=1)
        if name.startswith(repository + "@sha256:"):
            return name
    return ""


def base_digest(repo_digest, image_id):
    """The digest recorded in the base.digest label: the repository digest's
    sha256:..., else the local image ID (or "" when the base is unknown)."""
    if repo_digest:
        return repo_digest.split("@")[-1]
    return image_id or ""


def docker_build_argv(spec):
    """The argv of the app image's build.

    spec keys: runner (argv prefix that runs the build as a locked step, or
    []), timeout (seconds), log (the step's log file), buildkit (bool),
    tag, dockerfile (absolute, or relative to source_dir), source_dir,
    revision (the commit), gunicorn_label (bool: the repository's
    Dockerfile has no CMD), base_name, base_digest, python_image (the base's
    name@digest for the built-in Dockerfile, or "" to leave it), build_args
    (dict; a PYTHON_IMAGE there wins over python_image), secrets (the names
    of the BuildKit secrets, each in a file of that name in secrets_dir).
    """
    timeout = str(spec["timeout"])
    if spec.get("runner"):
        argv = list(spec["runner"]) + ["--step", "build", "--timeout", timeout, "--log", spec["log"], "--"]
    else:
        argv = ["timeout", timeout]
    dockerfile = spec["dockerfile"]
    if not dockerfile.startswith("/"):
        dockerfile = spec["source_dir"] + "/" + dockerfile
    argv += [
        "env", "DOCKER_BUILDKIT=%d" % (1 if spec.get("buildkit") else 0),
        "docker", "build", "--progress=plain", "--tag", spec["tag"],
        "--file", dockerfile,
        "--label", "org.opencontainers.image.revision=" + spec["revision"],
    ]
    if spec.get("gunicorn_label"):
        argv += ["--label", "io.django-stack.app-command=gunicorn"]
    if spec.get("base_name"):
        argv += ["--label", "org.opencontainers.image.base.name=" + spec["base_name"]]
    if spec.get("base_digest"):
        argv += ["--label", "org.opencontainers.image.base.digest=" + spec["base_digest"]]
    build_args = spec.get("build_args") or {}
    if spec.get("python_image") and "PYTHON_IMAGE" not in build_args:
        argv.append("--build-arg=PYTHON_IMAGE=" + spec["python_image"])
    argv += ["--build-arg=%s=%s" % (key, value) for key, value in build_args.items()]
    # BuildKit secrets: the file's path on the command line, never the value.
    for name in sorted(spec.get("secrets") or []):
        argv.append("--secret=id=%s,src=%s/%s" % (name, spec["secrets_dir"], name))
    argv.append(spec["source_dir"])
    return argv


_FROM = re.compile(r"^[ \t]*FROM[ \t]", re.IGNORECASE | re.MULTILINE)
_USER = re.compile(r"^[ \t]*USER[ \t]+(\S+)", re.IGNORECASE | re.MULTILINE)


def dockerfile_user(text):
    """The USER the final stage of a Dockerfile sets last ('' = none: the
    base image's, root for the official Python images). What the image will
    run as before it is built; the built image's Config.User is the truth."""
    text = str(text or "")
    starts = [m.start() for m in _FROM.finditer(text)]
    stage = text[starts[-1]:] if starts else text
    users = _USER.findall(stage)
    return users[-1] if users else ""


class FilterModule:
    def filters(self):
        return {
            "djstack_dockerfile_user": dockerfile_user,
            "djstack_base_repo_digest": base_repo_digest,
            "djstack_base_digest": base_digest,
            "djstack_docker_build_argv": docker_build_argv,
        }
