"""The SSRF policy of URL imports (``podv5_contract.net``): which URLs parse, which
addresses are refused (every spelling of them), and what IMPORT_ALLOWED_NETWORKS opens."""

from __future__ import annotations

import ipaddress

import pytest

from podv5_contract import net
from podv5_contract.imports import bbb_record_id, detect_kind, peertube_video_id

PUBLIC = net.AddressPolicy()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/video.mp4",
        "file:///etc/passwd",
        "gopher://example.org:70/",
        "javascript:alert(1)",
        "//example.org/video.mp4",
        "http:///video.mp4",
        "http://user:secret@example.org/video.mp4",
        "https://user@example.org/video.mp4",
        "http://example.org:99999/video.mp4",
        "http://exa mple.org/video.mp4",
        "http://example.org/vid\x00eo.mp4",
        "http://example.org/\nvideo.mp4",
        "http://ex_ample%2f.org/",
        "http://0177.0.0.1/",  # octal 127.0.0.1: httpx refuses to parse it at all
        "http://" + "a" * 2100 + ".org/",
        "",
    ],
)
def test_urls_that_are_not_imported(url):
    with pytest.raises(net.UrlRefused) as refused:
        net.parse_url(url)
    assert refused.value.code == "import_invalid_url"


def test_a_url_parses_into_its_host_and_port():
    target = net.parse_url("HTTPS://Media.Example.ORG./path/Lecture%201.mp4?x=1")
    assert (target.host, target.port, target.literal) == ("media.example.org", 443, None)
    assert target.url.path == "/path/Lecture 1.mp4"
    assert net.parse_url("http://münchen.example/v.mp4").host == "xn--mnchen-3ya.example"


@pytest.mark.parametrize(
    "host, address",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f000001", "127.0.0.1"),  # hexadecimal
        ("0x7f.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),  # IPv4-mapped
        ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
        ("[2002:7f00:1::]", "2002:7f00:1::"),  # 6to4 of 127.0.0.1
        ("[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe"),  # NAT64 of 169.254.169.254
        ("[::127.0.0.1]", "::127.0.0.1"),  # IPv4-compatible
        ("10.1.2.3", "10.1.2.3"),
        ("172.16.0.1", "172.16.0.1"),
        ("192.168.1.1", "192.168.1.1"),
        ("169.254.169.254", "169.254.169.254"),  # cloud metadata
        ("100.64.0.1", "100.64.0.1"),  # shared address space (CGNAT)
        ("0.0.0.0", "0.0.0.0"),
        ("224.0.0.1", "224.0.0.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("192.0.2.10", "192.0.2.10"),  # documentation
        ("[fe80::1]", "fe80::1"),
        ("[fc00::1]", "fc00::1"),
        ("[fec0::1]", "fec0::1"),  # site-local
        ("[ff02::1]", "ff02::1"),
        ("[::]", "::"),
        ("[2001:db8::1]", "2001:db8::1"),
    ],
)
def test_forbidden_addresses_in_every_spelling(host, address):
    target = net.parse_url(f"http://{host}/video.mp4")
    assert target.literal == ipaddress.ip_address(address)
    with pytest.raises(net.UrlRefused) as refused:
        PUBLIC.check_static(target)
    assert refused.value.code == "import_forbidden_address"
    with pytest.raises(net.UrlRefused):
        PUBLIC.addresses(target)  # the worker's check refuses it as well, without DNS


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "video.localhost", "a.b.localhost"])
def test_localhost_names_are_loopback_without_dns(host, monkeypatch):
    # no resolver may be asked: make it fail loudly (our resolver function only)
    monkeypatch.setattr(net, "resolve", lambda *a: pytest.fail("DNS asked for localhost"))
    target = net.parse_url(f"http://{host}:8000/")
    with pytest.raises(net.UrlRefused) as refused:
        PUBLIC.check_static(target)
    assert refused.value.code == "import_forbidden_address"
    allowed = net.AddressPolicy.of(["127.0.0.0/8", "::1/128"])
    assert allowed.addresses(target) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14",
     "2002:5db8:d70e::1", "64:ff9b::5db8:d70e"],
)  # fmt: skip
def test_public_addresses_and_their_ipv6_forms_are_allowed(address):
    assert PUBLIC.is_allowed(ipaddress.ip_address(address))


def test_allowed_networks_open_exactly_those_networks():
    policy = net.AddressPolicy.of(["10.20.0.0/16", "127.0.0.1"])
    assert policy.is_allowed(ipaddress.ip_address("10.20.30.40"))
    assert policy.is_allowed(ipaddress.ip_address("127.0.0.1"))
    assert policy.is_allowed(ipaddress.ip_address("::ffff:10.20.0.1"))  # its mapped form
    assert not policy.is_allowed(ipaddress.ip_address("10.21.0.1"))
    assert not policy.is_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not policy.is_allowed(ipaddress.ip_address("169.254.169.254"))
    with pytest.raises(ValueError):
        net.AddressPolicy.of(["not-a-network"])


def test_a_name_is_refused_when_any_of_its_addresses_is_forbidden(monkeypatch):
    # DNS answers are simulated by replacing our resolver function, and nothing else
    answers = {
        "public.example.test": ["93.184.215.14"],
        "mixed.example.test": ["93.184.215.14", "10.0.0.5"],
        "internal.example.test": ["fd00::5"],
    }
    monkeypatch.setattr(
        net, "resolve", lambda host, port: [ipaddress.ip_address(a) for a in answers[host]]
    )
    assert PUBLIC.addresses(net.parse_url("https://public.example.test/v.mp4")) == [
        ipaddress.ip_address("93.184.215.14")
    ]
    for host in ("mixed.example.test", "internal.example.test"):
        with pytest.raises(net.UrlRefused) as refused:
            PUBLIC.addresses(net.parse_url(f"https://{host}/v.mp4"))
        assert refused.value.code == "import_forbidden_address"


def test_a_name_that_does_not_resolve():
    with pytest.raises(net.UrlRefused) as refused:
        PUBLIC.addresses(net.parse_url("http://no-such-host.invalid/v.mp4"))
    assert refused.value.code == "import_invalid_url"


@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://tube.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d", "peertube"),
        ("https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv", "peertube"),
        ("https://tube.example.org/videos/watch/9c9de5e80a1e484ab099e80766180a6d", "peertube"),
        ("https://tube.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv", "peertube"),
        ("https://tube.example.org/api/v1/videos/42", "peertube"),
        (
            "https://bbb.example.org/playback/presentation/2.3/"
            "6e35e3b2778883f5db637d7a5dba0a427f692e91-1598261245372",
            "bbb",
        ),
        (
            "https://bbb.example.org/playback/presentation/2.0/playback.html?"
            "meetingId=6e35e3b2778883f5db637d7a5dba0a427f692e91-1598261245372",
            "bbb",
        ),
        (
            "https://bbb.example.org/playback/video/"
            "6e35e3b2778883f5db637d7a5dba0a427f692e91-1598261245372/",
            "bbb",
        ),
        ("https://bbb.example.org/playback/presentation/2.3/../../etc", "direct"),
        ("https://cdn.example.org/lectures/intro.mp4", "direct"),
        ("https://tube.example.org/w/p/kkGMgK9ZtnKfYAgnEtQxbv", "direct"),  # a playlist
    ],
)
def test_source_kinds_are_told_from_the_url(url, kind):
    target = net.parse_url(url)
    assert detect_kind(target) == kind
    assert (peertube_video_id(target) is not None) == (kind == "peertube")
    assert (bbb_record_id(target) is not None) == (kind == "bbb")
