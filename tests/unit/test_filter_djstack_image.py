"""plugins/filter/djstack_image.py: the app image's docker build argv."""


from conftest import load

djstack_image = load("plugins/filter/djstack_image.py")
argv_of = djstack_image.docker_build_argv

BASE = {
    "runner": [], "timeout": 1800, "log": "/var/log/build.log", "buildkit": True,
    "tag": "mysite-app:abc123", "dockerfile": "Dockerfile", "source_dir": "/srv/mysite/src",
    "revision": "abc123", "gunicorn_label": False, "base_name": "", "base_digest": "",
    "python_image": "", "build_args": {},
}


def spec(**changes):
    return dict(BASE, **changes)


def test_plain_build_under_timeout():
    assert argv_of(spec()) == [
        "timeout", "1800", "env", "DOCKER_BUILDKIT=1", "docker", "build", "--progress=plain",
        "--tag", "mysite-app:abc123", "--file", "/srv/mysite/src/Dockerfile",
        "--label", "org.opencontainers.image.revision=abc123", "/srv/mysite/src"]


def test_runner_runs_the_build_as_a_locked_step_with_its_log():
    argv = argv_of(spec(runner=["djstack-lock", "run", "mysite"], buildkit=False))
    assert argv[:9] == ["djstack-lock", "run", "mysite", "--step", "build", "--timeout", "1800",
                        "--log", "/var/log/build.log"]
    assert argv[9:11] == ["--", "env"]
    assert "DOCKER_BUILDKIT=0" in argv
    assert "timeout" not in argv


def test_absolute_dockerfile_is_kept():
    argv = argv_of(spec(dockerfile="/srv/mysite/build/Dockerfile"))
    assert argv[argv.index("--file") + 1] == "/srv/mysite/build/Dockerfile"


def test_labels_for_gunicorn_and_the_base():
    argv = argv_of(spec(gunicorn_label=True, base_name="python:3.13-slim", base_digest="sha256:feed"))
    assert "io.django-stack.app-command=gunicorn" in argv
    assert "org.opencontainers.image.base.name=python:3.13-slim" in argv
    assert "org.opencontainers.image.base.digest=sha256:feed" in argv
    assert argv[-1] == "/srv/mysite/src"


def test_no_base_labels_without_a_base():
    assert not [a for a in argv_of(spec()) if "image.base." in a]


def test_python_image_from_the_digest_unless_the_user_names_one():
    argv = argv_of(spec(python_image="python@sha256:beef", build_args={"PIP_INDEX": "https://pypi.example/"}))
    assert argv[-3:] == ["--build-arg=PYTHON_IMAGE=python@sha256:beef", "--build-arg=PIP_INDEX=https://pypi.example/",
                         "/srv/mysite/src"]
    argv = argv_of(spec(python_image="python@sha256:beef", build_args={"PYTHON_IMAGE": "mine:1"}))
    assert [a for a in argv if "PYTHON_IMAGE" in a] == ["--build-arg=PYTHON_IMAGE=mine:1"]


def test_build_arg_values_are_strings_and_one_argv_item_each():
    argv = argv_of(spec(build_args={"DEBUG": False, "SPACED": "a b; c"}))
    assert "--build-arg=DEBUG=False" in argv
    assert "--build-arg=SPACED=a b; c" in argv


def test_secrets_are_passed_as_files_never_as_values():
    argv = argv_of(spec(secrets=["PIP_INDEX_URL", "A"], secrets_dir="/run/djstack/s"))
    assert argv[-3:] == ["--secret=id=A,src=/run/djstack/s/A",
                         "--secret=id=PIP_INDEX_URL,src=/run/djstack/s/PIP_INDEX_URL", "/srv/mysite/src"]
    assert not [a for a in argv_of(spec()) if a.startswith("--secret")]


def test_repo_digest_in_the_base_repository_only():
    digests = ["docker.io/library/python@sha256:aaa", "mirror.example/python@sha256:bbb"]
    assert djstack_image.base_repo_digest(digests, "python") == "python@sha256:aaa"
    assert djstack_image.base_repo_digest(digests, "mirror.example/python") == "mirror.example/python@sha256:bbb"
    assert djstack_image.base_repo_digest(digests, "py") == ""
    assert djstack_image.base_repo_digest(None, "python") == ""


def test_base_digest_falls_back_to_the_image_id():
    assert djstack_image.base_digest("python@sha256:aaa", "sha256:id") == "sha256:aaa"
    assert djstack_image.base_digest("", "sha256:id") == "sha256:id"
    assert djstack_image.base_digest("", None) == ""


def test_dockerfile_user_is_the_last_user_of_the_final_stage():
    user = djstack_image.dockerfile_user
    assert user("FROM python:3.13-slim\nRUN pip install x\n") == ""
    assert user("FROM python AS build\nUSER 1000\nFROM python\nCOPY --from=build /venv /venv\n") == ""
    assert user("FROM python\nUSER app\nRUN x\n  user 10001:10001\nCMD [\"gunicorn\"]\n") == "10001:10001"
    assert user("") == "" and user(None) == ""
