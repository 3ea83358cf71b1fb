"""plugins/filter/djstack_secrets.py: given, stored and generated secrets, and rotation."""

import base64
import string

import pytest
from ansible.errors import AnsibleFilterError
from conftest import load

djstack_secrets = load("plugins/filter/djstack_secrets.py")
settle = djstack_secrets.settle_secrets

NEW = {"db_password": "gen1", "db_root_password": "gen2"}


def test_a_first_deploy_generates_and_keeps_the_other_roles_keys():
    result = settle(NEW, {}, {"db_password": "", "db_root_password": ""}, rotate=True)
    assert result["secrets"] == NEW
    assert result["store"] == NEW


def test_stored_values_win_over_generated_and_other_keys_stay():
    stored = {"db_password": "s1", "db_root_password": "s2", "secret_key": "sk"}
    result = settle(NEW, stored, {}, rotate=True)
    assert result["secrets"] == {"db_password": "s1", "db_root_password": "s2"}
    assert result["store"] == stored


def test_a_given_value_wins_and_the_stored_one_retires():
    stored = {"db_password": "s1", "db_root_password": "s2", "secret_key": "sk"}
    result = settle(NEW, stored, {"db_password": "vault", "db_root_password": ""}, rotate=True)
    assert result["secrets"] == {"db_password": "vault", "db_root_password": "s2", "db_password_retiring": "s1"}
    assert result["store"] == {"db_password": "vault", "db_root_password": "s2", "secret_key": "sk",
                               "db_password_retiring": "s1"}


def test_a_retiring_value_stays_until_the_rotation_is_done():
    stored = {"db_password": "vault", "db_root_password": "s2", "db_password_retiring": "s1"}
    result = settle(NEW, stored, {"db_password": "vault"}, rotate=True)
    assert result["secrets"]["db_password_retiring"] == "s1"
    assert result["store"]["db_password_retiring"] == "s1"


def test_without_rotation_a_retiring_key_is_not_ours():
    stored = {"secret_key": "sk", "db_password_retiring": "s1"}
    result = settle({"secret_key": "gen", "redis_password": "genr"}, stored, {"secret_key": ""})
    assert result["secrets"] == {"secret_key": "sk", "redis_password": "genr"}
    assert result["store"] == {"secret_key": "sk", "redis_password": "genr", "db_password_retiring": "s1"}


def test_new_secret_has_the_length_and_alphabet():
    assert len(djstack_secrets.new_secret(40)) == 40
    # 4000 draws show every character of the alphabet, and nothing else.
    assert set(djstack_secrets.new_secret(4000)) == set(string.ascii_letters + string.digits)


def test_new_secrets_differ():
    assert len({djstack_secrets.new_secret(24) for _ in range(50)}) == 50


@pytest.mark.parametrize("length", [0, 8, "x", None, -40])
def test_new_secret_refuses_a_short_or_bad_length(length):
    with pytest.raises(AnsibleFilterError):
        djstack_secrets.new_secret(length)


def test_the_generated_names_are_those_neither_stored_nor_given():
    stored = {"db_password": "s1", "secret_key": "sk"}
    result = settle(NEW, stored, {"db_password": "", "db_root_password": ""}, rotate=True)
    assert result["generated"] == ["db_root_password"]
    assert settle(NEW, stored, {"db_root_password": "vault"}, rotate=True)["generated"] == []
    assert settle(NEW, {}, {}, rotate=True)["generated"] == ["db_password", "db_root_password"]


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def test_stored_secrets_reads_the_file_and_no_file_is_empty():
    assert djstack_secrets.stored_secrets(None, "/srv/s/secrets.json") == {}
    content = _b64('{"db_password": "s1", "secret_key": "sk"}\n')
    assert djstack_secrets.stored_secrets(content, "/srv/s/secrets.json") == {"db_password": "s1", "secret_key": "sk"}


@pytest.mark.parametrize(("text", "why"), [
    ("", "it is empty"),
    ("\n", "it is empty"),
    ('{"db_password": "hunter2-secret", "db_root', "it is not valid JSON (Unterminated string"),
    ('{"db_password": "hunter2-secret",', "it is not valid JSON (Expecting property name"),
    ("null", "it holds null"),
    ('["hunter2-secret"]', "it holds an array"),
    ('"hunter2-secret"', "it holds a string"),
    ("42", "it holds a number"),
    ('{"db_password": 42, "secret_key": "hunter2-secret"}', "the value of db_password is not a text or is empty"),
    ('{"db_password": "", "secret_key": "hunter2-secret"}', "the value of db_password is not a text or is empty"),
])
def test_stored_secrets_refuses_a_broken_file_without_showing_a_value(text, why):
    with pytest.raises(AnsibleFilterError) as error:
        djstack_secrets.stored_secrets(_b64(text), "/srv/s/secrets.json")
    message = str(error.value)
    assert message.startswith("/srv/s/secrets.json, the secrets the earlier deploys stored, cannot be read: " + why)
    assert "Nothing was changed" in message
    assert "hunter2" not in message


def test_stored_secrets_refuses_bytes_that_are_not_text():
    content = base64.b64encode(b'{"db_password": "\xff\xfe"}').decode()
    with pytest.raises(AnsibleFilterError, match="it is not UTF-8 text"):
        djstack_secrets.stored_secrets(content, "/srv/s/secrets.json")
