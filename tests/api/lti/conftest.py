import pytest
from django.core.cache import cache

from api.lti.models import LtiPlatform
from api.lti.services import platform_create
from tests.api.lti.platform import JwksServer, Platform


@pytest.fixture
def jwks_server():
    server = JwksServer()
    yield server
    server.stop()


@pytest.fixture
def platform(live_server, transactional_db, jwks_server, settings) -> Platform:
    """A platform registered with the tool running in the live server."""
    cache.clear()  # nonces, states and cached key sets of other tests
    settings.LTI_LAUNCH_REDIRECT_URL = ""
    sim = Platform(jwks_server, live_server.url)
    sim.registration = platform_create(
        title="Moodle",
        issuer=sim.issuer,
        client_id=sim.client_id,
        deployment_ids=[sim.deployment_id],
        auth_login_url=sim.auth_login_url,
        auth_token_url=sim.auth_token_url,
        key_set_url=jwks_server.url,
    )
    return sim


@pytest.fixture
def registration(platform) -> LtiPlatform:
    return platform.registration
