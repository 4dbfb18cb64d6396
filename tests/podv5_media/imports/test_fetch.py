"""The worker's guarded downloads (``podv5_media.fetch``) against real HTTP(S) servers on
loopback addresses: 127.0.0.1 plays the allowed remote site (IMPORT_ALLOWED_NETWORKS lets
the tests reach it), 127.0.0.2 an internal service that must never be reached."""

from __future__ import annotations

import ipaddress
import time

import pytest

from podv5_contract import net
from podv5_media.fetch import FetchFailed, GuardedClient, ssl_context
from tests.origin import Origin, Route

ALLOWED = net.AddressPolicy.of(["127.0.0.1/32"])
BODY = bytes(range(256)) * 400  # 100 kB


@pytest.fixture
def origin():
    with Origin("127.0.0.1") as server:
        yield server


@pytest.fixture
def internal():
    """An internal service on another loopback address, outside the allowed networks."""
    with Origin("127.0.0.2") as server:
        server.routes["/secret"] = Route(b"internal data")
        yield server


def client(policy=ALLOWED, *, seconds=30.0, **kwargs) -> GuardedClient:
    return GuardedClient(policy, deadline=time.monotonic() + seconds, **kwargs)


def fail(call) -> FetchFailed:
    with pytest.raises(FetchFailed) as failed:
        call()
    return failed.value


def test_download_saves_the_body_and_names_it(origin, tmp_path):
    origin.routes["/media/Lecture%201.mp4"] = Route(BODY, headers={"Content-Type": "video/mp4"})
    got = client().download(origin.url("/media/Lecture%201.mp4"), tmp_path / "f", max_bytes=10**6)
    assert got.path.read_bytes() == BODY and got.size == len(BODY)
    assert (got.filename, got.content_type) == ("Lecture 1.mp4", "video/mp4")


def test_announced_size_over_the_limit_fails_before_the_body(origin, tmp_path):
    origin.routes["/big.mp4"] = Route(BODY)
    failed = fail(lambda: client().download(origin.url("/big.mp4"), tmp_path / "f", max_bytes=1000))
    assert failed.reason == "import_too_large" and "announces 102400" in str(failed)
    assert not (tmp_path / "f").exists()


def test_a_body_without_length_is_cut_at_the_limit(origin, tmp_path):
    origin.routes["/endless"] = Route(endless=True)
    failed = fail(
        lambda: client().download(origin.url("/endless"), tmp_path / "f", max_bytes=300_000)
    )
    assert failed.reason == "import_too_large"
    assert not (tmp_path / "f").exists()  # nothing kept
    deadline = time.monotonic() + 10
    while not origin.requests[0].hung_up and time.monotonic() < deadline:
        time.sleep(0.1)
    # the connection was closed: the server's writes failed after what the socket
    # buffers held (a few MB on loopback), far from the endless body
    assert origin.requests[0].hung_up and origin.requests[0].sent < 64 * 1024 * 1024


def test_only_the_announced_length_is_read(origin, tmp_path):
    origin.routes["/short-claim"] = Route(BODY, content_length=10)
    got = client().download(origin.url("/short-claim"), tmp_path / "f", max_bytes=50)
    assert got.size == 10 and got.path.read_bytes() == BODY[:10]


def test_the_owner_quota_is_a_limit_too(origin, tmp_path):
    origin.routes["/v.mp4"] = Route(BODY)
    failed = fail(
        lambda: client().download(
            origin.url("/v.mp4"), tmp_path / "f", max_bytes=10**6, quota_bytes=50_000
        )
    )
    assert failed.reason == "quota_exceeded"


def test_redirects_are_followed_up_to_the_limit(origin, tmp_path):
    origin.routes["/a"] = Route(redirect="/b", status=301)
    origin.routes["/b"] = Route(redirect=origin.url("/c"), status=307)
    origin.routes["/c"] = Route(BODY)
    got = client(max_redirects=2).download(origin.url("/a"), tmp_path / "f", max_bytes=10**6)
    assert got.size == len(BODY) and got.url == origin.url("/c")
    failed = fail(
        lambda: client(max_redirects=1).download(origin.url("/a"), tmp_path / "g", max_bytes=10**6)
    )
    assert failed.reason == "import_too_many_redirects"


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/secret",
        "http://[::ffff:127.0.0.2]:{port}/secret",
        "http://2130706434:{port}/secret",  # 127.0.0.2, decimal
        "http://localhost:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_redirect_to_a_forbidden_address_is_refused(origin, internal, tmp_path, location):
    origin.routes["/go"] = Route(redirect=location.format(port=internal.port))
    failed = fail(lambda: client().download(origin.url("/go"), tmp_path / "f", max_bytes=10**6))
    assert failed.reason == "import_forbidden_address"
    assert internal.requests == []  # never connected to


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x"]
)
def test_a_redirect_to_another_scheme_or_with_credentials_is_refused(origin, tmp_path, location):
    origin.routes["/go"] = Route(redirect=location)
    failed = fail(lambda: client().download(origin.url("/go"), tmp_path / "f", max_bytes=10**6))
    assert failed.reason == "import_invalid_url"
    assert origin.paths() == ["/go"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.2]:{port}/secret",
        "http://2130706434:{port}/secret",
        "http://0x7f.0.0.2:{port}/secret",
        "http://localhost:{port}/secret",
    ],
)
def test_forbidden_addresses_are_never_reached(internal, tmp_path, url):
    failed = fail(
        lambda: client().download(url.format(port=internal.port), tmp_path / "f", max_bytes=100)
    )
    assert failed.reason == "import_forbidden_address"
    assert internal.requests == []


def test_dns_rebinding_cannot_move_the_connection(origin, internal, tmp_path, monkeypatch):
    """The name first resolves to the allowed site, then (a rebinding attacker's DNS) to
    the internal one: the worker resolves once, checks, and dials the checked address.
    DNS is simulated by replacing our resolver function (podv5_contract.net.resolve)
    only: the connection, the redirect and the servers are real."""
    answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.2"])
    calls = []

    def rebinding_resolver(host, port):
        calls.append(host)
        return [ipaddress.ip_address(next(answers))]

    monkeypatch.setattr(net, "resolve", rebinding_resolver)
    origin.routes["/v.mp4"] = Route(BODY)
    url = f"http://media.example.test:{origin.port}/v.mp4"
    got = client().download(url, tmp_path / "f", max_bytes=10**6)
    assert got.size == len(BODY) and calls == ["media.example.test"]
    assert origin.requests[0].host == f"media.example.test:{origin.port}"  # the name, kept
    assert internal.requests == []

    # a redirect to the same name is resolved and checked again: now refused
    origin.routes["/again"] = Route(redirect=f"http://media.example.test:{internal.port}/secret")
    answers = iter(["127.0.0.1", "127.0.0.2"])
    failed = fail(
        lambda: client().download(
            f"http://media.example.test:{origin.port}/again", tmp_path / "g", max_bytes=10**6
        )
    )
    assert failed.reason == "import_forbidden_address" and internal.requests == []


def test_a_name_with_one_forbidden_answer_is_refused(internal, tmp_path, monkeypatch):
    # simulated DNS (our resolver function only): an allowed and a forbidden answer
    monkeypatch.setattr(
        net,
        "resolve",
        lambda h, p: [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")],
    )
    url = f"http://both.example.test:{internal.port}/secret"
    failed = fail(lambda: client().download(url, tmp_path / "f", max_bytes=100))
    assert failed.reason == "import_forbidden_address" and internal.requests == []


def test_statuses(origin, tmp_path):
    origin.routes["/gone"] = Route(b"", status=410)
    origin.routes["/error"] = Route(b"oops", status=500)
    origin.routes["/private"] = Route(b"", status=403)
    fetch = client()
    assert (
        fail(lambda: fetch.download(origin.url("/nope"), tmp_path / "a", max_bytes=9)).reason
        == "import_not_found"
    )
    assert (
        fail(lambda: fetch.download(origin.url("/gone"), tmp_path / "b", max_bytes=9)).reason
        == "import_not_found"
    )
    for path in ("/error", "/private"):
        failed = fail(
            lambda path=path: fetch.download(origin.url(path), tmp_path / "c", max_bytes=9)
        )
        assert failed.reason == "import_failed"


def test_a_stalled_server_times_out(origin, tmp_path):
    origin.routes["/slow"] = Route(BODY, stall=10)
    started = time.monotonic()
    failed = fail(
        lambda: client(read_timeout=1).download(
            origin.url("/slow"), tmp_path / "f", max_bytes=10**6
        )
    )
    assert failed.reason == "import_timeout" and time.monotonic() - started < 5
    assert not (tmp_path / "f").exists()


def test_the_whole_import_has_a_deadline(origin, tmp_path):
    origin.routes["/v.mp4"] = Route(BODY)
    failed = fail(
        lambda: client(seconds=0).download(origin.url("/v.mp4"), tmp_path / "f", max_bytes=10**6)
    )
    assert failed.reason == "import_timeout" and origin.requests == []


def test_an_unreachable_port_fails_cleanly(tmp_path):
    with Origin("127.0.0.1") as gone:
        url = gone.url("/v.mp4")
    failed = fail(lambda: client().download(url, tmp_path / "f", max_bytes=100))
    assert failed.reason == "import_failed"


def test_https_dials_the_checked_address_and_verifies_the_name(tmp_path, monkeypatch):
    """TLS to a pinned address: the certificate is verified against the URL's name (SNI
    and hostname check), not the address. DNS is simulated by replacing our resolver
    function only; the TLS server and its throwaway CA are real."""
    monkeypatch.setattr(net, "resolve", lambda h, p: [ipaddress.ip_address("127.0.0.1")])
    with Origin("127.0.0.1", https=True, names=["media.example.test"], tmp=tmp_path) as site:
        site.routes["/v.mp4"] = Route(BODY)
        verify = ssl_context({"MEDIA_IMPORT_CA_FILE": str(site.ca_file)})
        fetch = client(verify=verify)
        url = f"https://media.example.test:{site.port}/v.mp4"
        assert fetch.download(url, tmp_path / "f", max_bytes=10**6).size == len(BODY)
        assert site.requests[0].host == f"media.example.test:{site.port}"
        # a name the certificate does not hold, at the same address: refused
        other = f"https://other.example.test:{site.port}/v.mp4"
        failed = fail(lambda: fetch.download(other, tmp_path / "g", max_bytes=10**6))
        assert failed.reason == "import_failed" and "certificate" in str(failed).lower()
        # and without our CA, certifi's do not know it
        failed = fail(lambda: client().download(url, tmp_path / "h", max_bytes=10**6))
        assert failed.reason == "import_failed"
