"""The client's address behind reverse proxies (api.core.client): TRUSTED_PROXY_CIDRS /
TRUSTED_PROXY_HOPS decide whose X-Forwarded-For is believed; rate limits, view counts
and log records all use the address found."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from api.core.client import parse_address, parse_forwarded_for, resolve_client_ip
from api.core.request_id import ClientIpFilter
from tests.api.core.test_ratelimit import PAIR, assert_limited
from tests.api.factories import make_video

INGRESS = "10.1.2.3"  # the ingress controller's pod address, the API's peer


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_ingress(settings):
    """The chart's setting: the private networks are the (one) trusted proxy."""
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    settings.TRUSTED_PROXY_HOPS = 1


def via(client_for, peer: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_for(**extra)


# --- the header parser ----------------------------------------------------------------


@given(st.text(max_size=300))
def test_any_header_text_parses_without_raising(header):
    entries = parse_forwarded_for(header)
    assert 1 <= len(entries) <= 32
    for entry in entries:
        assert entry is None or entry.version in (4, 6)


@given(st.text(max_size=300), st.text(max_size=60))
def test_any_header_and_peer_resolve_to_the_peer_or_an_address(header, peer):
    with override_settings(TRUSTED_PROXY_CIDRS=["0.0.0.0/0", "::/0"], TRUSTED_PROXY_HOPS=0):
        found = resolve_client_ip(peer, header)
    assert found == peer or parse_address(found) is not None


@given(st.ip_addresses(), st.integers(min_value=1, max_value=65535))
def test_addresses_with_ports_and_brackets(address, port):
    text = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
    expected = getattr(address, "ipv4_mapped", None) or address
    assert parse_address(text) == expected
    assert parse_address(f"  {address} ") == expected


@hyp_settings(max_examples=50, deadline=None)
@given(st.text(max_size=200), st.text(max_size=40))
def test_any_forwarded_headers_from_a_trusted_proxy_are_answered(header, proto):
    """Whatever a client puts in the headers the proxy passes on, the API answers (here
    the envelope's 404), never a 500."""
    with override_settings(TRUSTED_PROXY_CIDRS=["10.0.0.0/8"], TRUSTED_PROXY_HOPS=0):
        client = Client(REMOTE_ADDR=INGRESS, HTTP_X_FORWARDED_FOR=header)
        response = client.get("/no/such/page", HTTP_X_FORWARDED_PROTO=proto)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("entry", ["unknown", "_hidden", "", "1.2.3", "[::1", "300.1.1.1"])
def test_malformed_entries_are_none(entry):
    assert parse_address(entry) is None


# --- whose header is believed -----------------------------------------------------------


def test_by_default_nobody_is_trusted(settings):
    settings.TRUSTED_PROXY_CIDRS, settings.TRUSTED_PROXY_HOPS = [], 0
    assert resolve_client_ip(INGRESS, "198.51.100.7") == INGRESS


def test_the_right_hop_behind_trusted_proxies(settings):
    settings.TRUSTED_PROXY_CIDRS, settings.TRUSTED_PROXY_HOPS = ["10.0.0.0/8"], 0
    # a forged entry on the left, the client, then a second trusted proxy
    assert resolve_client_ip(INGRESS, "6.6.6.6, 198.51.100.7, 10.9.9.9") == "198.51.100.7"
    # a peer outside the trusted networks: its header is ignored
    assert resolve_client_ip("203.0.113.5", "198.51.100.7") == "203.0.113.5"
    # a malformed entry stops the walk at the last good address
    assert resolve_client_ip(INGRESS, "198.51.100.7, garbage") == INGRESS


def test_hops_bound_the_walk(settings):
    settings.TRUSTED_PROXY_CIDRS, settings.TRUSTED_PROXY_HOPS = [], 1
    # one proxy (any peer): the rightmost entry is what it saw; the rest was the client's
    assert resolve_client_ip(INGRESS, "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    settings.TRUSTED_PROXY_CIDRS, settings.TRUSTED_PROXY_HOPS = ["10.0.0.0/8"], 2
    assert resolve_client_ip(INGRESS, "6.6.6.6, 10.0.0.1, 10.0.0.2") == "10.0.0.1"


# --- where it matters: rate limits, view counts, logs -----------------------------------


def test_two_clients_behind_the_ingress_get_their_own_login_buckets(
    client_for, user, settings, behind_ingress
):
    settings.RATE_LIMITS = {"login": "2/h"}
    wrong = {"username": "alice", "password": "guess"}
    attacker = via(client_for, INGRESS, "198.51.100.66")
    for _ in range(2):
        assert attacker.post_json(PAIR, wrong).status_code == 401
    assert_limited(attacker.post_json(PAIR, wrong))
    # a student behind the same ingress still logs in
    student = via(client_for, INGRESS, "198.51.100.7")
    good = {"username": "alice", "password": "pw-alice-1"}
    assert student.post_json(PAIR, good).status_code == 200


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    client_for, user, settings, behind_ingress
):
    settings.RATE_LIMITS = {"login": "1/h"}
    wrong = {"username": "alice", "password": "guess"}
    # straight from the internet, inventing a new address each time: one bucket
    assert via(client_for, "203.0.113.5", "1.1.1.1").post_json(PAIR, wrong).status_code == 401
    assert_limited(via(client_for, "203.0.113.5", "2.2.2.2").post_json(PAIR, wrong))
    # behind the ingress, the same forged entry on the left changes nothing either
    behind = via(client_for, INGRESS, "1.1.1.1, 198.51.100.7")
    assert behind.post_json(PAIR, wrong).status_code == 401
    assert_limited(via(client_for, INGRESS, "2.2.2.2, 198.51.100.7").post_json(PAIR, wrong))


def test_anonymous_views_behind_the_ingress_count_per_client(client_for, user, behind_ingress):
    video = make_video(user)
    url = f"/api/v1/videos/{video.id}/views"
    first = via(client_for, INGRESS, "198.51.100.7")
    assert first.post(url).json()["data"] == {"counted": True, "views": 1}
    assert first.post(url).json()["data"]["counted"] is False
    second = via(client_for, INGRESS, "198.51.100.8")
    assert second.post(url).json()["data"] == {"counted": True, "views": 2}


def test_log_records_of_a_request_carry_the_client_address(client_for, behind_ingress):
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append
    handler.addFilter(ClientIpFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = via(client_for, INGRESS, "198.51.100.7").get("/no/such/page")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert [record.client_ip for record in seen] == ["198.51.100.7"]
