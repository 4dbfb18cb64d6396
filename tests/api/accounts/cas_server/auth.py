"""The test CAS server's accounts: ``CAS_TEST_ACCOUNTS`` (JSON), each with a password
and the attributes the server releases (django-cas-server's AuthUser interface)."""

import json
import os

from cas_server.auth import AuthUser

ACCOUNTS = json.loads(os.environ.get("CAS_TEST_ACCOUNTS", "{}"))


class AccountsAuthUser(AuthUser):
    def test_password(self, password):
        account = ACCOUNTS.get(self.username)
        return account is not None and password == account["password"]

    def attributs(self):
        return dict(ACCOUNTS.get(self.username, {}).get("attributes", {}))
