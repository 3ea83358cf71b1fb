"""plugins/filter/djstack_project.py: project module candidates and the
message that stops a build that cannot work."""


from conftest import load

djstack_project = load("plugins/filter/djstack_project.py")
candidates = djstack_project.project_module_candidates
problem = djstack_project.project_build_problem

SRC = "/srv/mysite/src"


def test_candidates_need_settings_and_wsgi_side_by_side():
    paths = [SRC + "/mysite/settings.py", SRC + "/mysite/wsgi.py", SRC + "/other/settings.py",
             SRC + "/deep/pkg/settings.py", SRC + "/deep/pkg/wsgi.py", SRC + "/lonely/wsgi.py"]
    assert candidates(paths, SRC) == ["deep.pkg", "mysite"]
    assert candidates([], SRC) == []
    assert candidates(None, SRC) == []


BUILTIN_OK = dict(project_files=["manage.py", "requirements.txt"], use_builtin=True, dockerfile="Dockerfile",
                  dockerfile_source="auto", repo_without_cmd=False, project_module="mysite", candidates=[])


def call(**changes):
    return problem(**dict(BUILTIN_OK, **changes))


def test_nothing_wrong_says_nothing():
    assert call() == ""
    assert call(project_files=["manage.py", "pyproject.toml"]) == ""
    assert call(use_builtin=False, project_files=["Dockerfile"], dockerfile_source="repo") == ""


def test_missing_repository_dockerfile():
    message = call(use_builtin=False, project_files=["manage.py"], dockerfile_source="repo")
    assert message == "The repository has no Dockerfile (django_image_dockerfile_source is repo)."


def test_repository_dockerfile_without_cmd_needs_the_module():
    message = call(use_builtin=False, project_files=["Dockerfile"], repo_without_cmd=True, project_module="",
                   candidates=["mysite"])
    assert "has no CMD or ENTRYPOINT" in message
    assert message.endswith("set django_stack_project_module: mysite (django_image_project_module for this role "
                            "alone).")


def test_builtin_needs_the_module_and_names_the_candidates():
    message = call(project_module="", candidates=["a", "b"])
    assert message.startswith("The built-in Dockerfile needs django_stack_project_module")
    assert "because the repository has no Dockerfile" in message
    assert message.endswith("Packages with settings.py and wsgi.py here: a, b.")
    assert "because" not in call(project_module="", dockerfile_source="builtin")


def test_builtin_needs_manage_py_and_requirements():
    assert call(project_files=["manage.py"]).endswith("found: manage.py.")
    assert call(project_files=[]).endswith("found: none of them.")
    assert "needs manage.py" in call(project_files=["requirements.txt"])
