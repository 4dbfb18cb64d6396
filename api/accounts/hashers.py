"""Password hashing: Argon2id with OWASP's recommended parameters.

Django 5.2's default, PBKDF2-SHA256 at 1,000,000 iterations, costs about 230 ms of CPU per
login on a small server core, which alone was over the 200 ms p99 a JWT login must keep
(``bench/stalled_clients.py``). Argon2id is memory-hard, so far costlier to attack on
GPUs per unit of server time, and with these parameters a hash takes a few tens of ms.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB (19 MiB), t=2, p=1: the first of the equivalent settings
    recommended by the OWASP Password Storage Cheat Sheet, section "Argon2id"
    (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id).

    Django's own :class:`~django.contrib.auth.hashers.Argon2PasswordHasher` uses m=100 MiB,
    t=2, p=8: five times the memory per login. The algorithm name stays ``argon2``, so this
    hasher verifies any argon2 hash and Django re-hashes one made with other parameters at
    the next successful login (``must_update``), as it does for the older hashers listed
    after it in ``PASSWORD_HASHERS``.
    """

    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
