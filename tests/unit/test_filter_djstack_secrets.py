"""plugins/filter/djstack_secrets.py: given, stored and generated secrets, and rotation."""

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
