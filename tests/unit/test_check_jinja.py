"""scripts/check-jinja.py: a Jinja expression over five lines is named."""

from conftest import load

check_jinja = load("scripts/check-jinja.py")


def test_a_long_expression_is_named_and_a_short_one_is_not(tmp_path):
    tasks = tmp_path / "roles" / "r" / "tasks"
    tasks.mkdir(parents=True)
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "deploy.yml").write_text("---\n")
    five = "{{ a\n  + b\n  + c\n  + d\n  + e }}"
    six = "{{ a\n  + b\n  + c\n  + d\n  + e\n  + f }}"
    (tasks / "main.yml").write_text("x: \"%s\"\ny: \"%s\"\n" % (five, six))
    found = check_jinja.long_expressions(tmp_path)
    assert [(str(path), line, lines) for path, line, lines in found] == [("roles/r/tasks/main.yml", 6, 6)]


def test_the_repository_has_none():
    assert check_jinja.long_expressions() == []


def test_a_condition_read_as_a_mapping_is_named(tmp_path):
    tasks = tmp_path / "molecule" / "s"
    tasks.mkdir(parents=True)
    (tasks / "verify.yml").write_text(
        "- name: t\n  ansible.builtin.assert:\n    that:\n      - x | default({'ok': 0})\n"
        "      - \"y | default({'ok': 0})\"\n")
    found = check_jinja.mapping_conditions(tmp_path)
    assert [(str(path), key) for path, key, _ in found] == [("molecule/s/verify.yml", "that")]


def test_the_repository_has_no_condition_read_as_a_mapping():
    assert check_jinja.mapping_conditions() == []
