import pytest

from api.encoding.backends import get_backend


@pytest.fixture
def live_api(live_server, settings, transactional_db):
    """A live HTTP server whose URL the workers call back, with the local backend."""
    settings.API_BASE_URL = live_server.url
    settings.ENCODING_BACKEND = "local"
    yield live_server
    get_backend().wait_idle(timeout=300)
