"""plugins/filter/djstack_ssh.py: when ssh_hardening writes, removes or leaves its drop-in."""


import pytest
from ansible.errors import AnsibleFilterError
from conftest import load

djstack_ssh = load("plugins/filter/djstack_ssh.py")
plan = djstack_ssh.plan


@pytest.mark.parametrize("enabled, expected", [
    (True, "on"), ("true", "on"), ("yes", "on"), (False, "off"), ("False", "off"), ("no", "off"),
    ("auto", "auto"), ("AUTO", "auto")])
def test_mode(enabled, expected):
    assert djstack_ssh.mode(enabled) == expected


@pytest.mark.parametrize("enabled", ["maybe", "", None, "auto;", "on", "1"])
def test_a_bad_mode_is_refused(enabled):
    with pytest.raises(AnsibleFilterError):
        djstack_ssh.mode(enabled)
    assert djstack_ssh.mode(enabled, "unknown") == "unknown"


def test_true_and_false_do_what_they_say_whatever_the_evidence():
    assert plan(True, password_login=True, user="root")["action"] == "write"
    assert plan(False, user="deploy", authorized_keys_bytes=400)["action"] == "remove"


def test_auto_hardens_a_key_login():
    result = plan("auto", user="deploy", authorized_keys_bytes=400)
    assert result == {"action": "write", "why": "deploy logs in with a key"}


def test_auto_hardens_root_with_a_key_when_root_may_still_use_keys():
    result = plan("auto", user="root", permit_root_login="prohibit-password", authorized_keys_bytes=90)
    assert result["action"] == "write"


@pytest.mark.parametrize("evidence, why", [
    ({"password_login": True, "user": "deploy", "authorized_keys_bytes": 400}, "password"),
    ({"user": "root", "permit_root_login": "no", "authorized_keys_bytes": 400}, "as root"),
    ({"user": "deploy", "authorized_keys_bytes": 0}, "no key"),
    ({"user": "deploy", "authorized_keys_bytes": None}, "no key"),
    ({"user": "", "authorized_keys_bytes": 400}, "not known"),
])
def test_auto_leaves_sshd_alone_without_evidence_and_says_why(evidence, why):
    result = plan("auto", **evidence)
    assert result["action"] == "leave"
    assert why in result["why"]
