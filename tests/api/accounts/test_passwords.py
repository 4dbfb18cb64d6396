"""Password storage: Argon2id with OWASP's parameters; older PBKDF2 hashes still log in
and are re-hashed as Argon2id by that login."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

pytestmark = pytest.mark.django_db

PAIR = "/api/v1/auth/token/pair"


def test_a_pbkdf2_user_logs_in_and_the_hash_becomes_argon2id(anon, django_user_model):
    pbkdf2 = make_password("pw-bob-12345", hasher="pbkdf2_sha256")
    assert pbkdf2.startswith("pbkdf2_sha256$")
    bob = django_user_model.objects.create(username="bob", password=pbkdf2)

    response = anon.post_json(PAIR, {"username": "bob", "password": "pw-bob-12345"})
    assert response.status_code == 200
    assert response.json()["data"]["access"]

    bob.refresh_from_db()
    assert bob.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    # and the new hash logs in too
    again = anon.post_json(PAIR, {"username": "bob", "password": "pw-bob-12345"})
    assert again.status_code == 200


def test_a_wrong_password_leaves_the_old_hash_alone(anon, django_user_model):
    pbkdf2 = make_password("pw-bob-12345", hasher="pbkdf2_sha256")
    bob = django_user_model.objects.create(username="bob", password=pbkdf2)
    response = anon.post_json(PAIR, {"username": "bob", "password": "wrong"})
    assert response.status_code == 401
    bob.refresh_from_db()
    assert bob.password == pbkdf2


def test_new_passwords_are_argon2id_with_owasp_parameters(user):
    algorithm, variety, version, params, salt, digest = user.password.split("$")
    assert (algorithm, variety, version) == ("argon2", "argon2id", "v=19")
    assert params == "m=19456,t=2,p=1"  # 19 MiB, 2 passes, 1 lane
    assert user.check_password("pw-alice-1")


def test_an_argon2_hash_with_django_default_parameters_is_upgraded(anon, django_user_model):
    """A hash made with Django's own argon2 parameters (100 MiB, p=8) is re-hashed."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    old = Argon2PasswordHasher().encode("pw-bob-12345", Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    bob = django_user_model.objects.create(username="bob", password=old)
    assert anon.post_json(PAIR, {"username": "bob", "password": "pw-bob-12345"}).status_code == 200
    bob.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in bob.password
