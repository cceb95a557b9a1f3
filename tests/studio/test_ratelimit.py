"""The caller's address behind proxies, and the limits' counting."""

from __future__ import annotations

import pytest

from studio.ratelimit import check, check_rules, clear, client_address, hit
from tests.conftest import configure


def test_forwarded_for_counts_only_from_trusted_proxies(studio, monkeypatch):
    chain = "198.51.100.7, 10.0.0.5"
    assert client_address("10.0.0.9", chain) == "10.0.0.9"  # no proxy trusted by default
    configure(monkeypatch, trusted_proxies="10.0.0.0/8, ::1")
    assert client_address("10.0.0.9", chain) == "198.51.100.7"
    assert client_address("10.0.0.9", "10.0.0.1") == "10.0.0.9"  # nothing outside the proxies
    assert client_address("203.0.113.4", chain) == "203.0.113.4"  # not a proxy: ignored
    assert client_address("::1", "garbage, 198.51.100.8") == "198.51.100.8"
    assert client_address(None, None) == "unknown"


def test_hits_count_down_and_clear_starts_over(studio, monkeypatch):
    configure(monkeypatch, login_failures="3/minute")
    assert [hit("login_failures", "k").remaining for _ in range(3)] == [2, 1, 0]
    refused = hit("login_failures", "k")
    assert not refused.allowed and 0 < refused.reset_after <= 60
    assert check("login_failures", "k").allowed is False
    assert check("login_failures", "other").allowed is True
    clear("login_failures", "k")
    assert check("login_failures", "k").remaining == 3
    configure(monkeypatch, login_failures="")
    assert hit("login_failures", "k") is None


def test_counters_live_in_redis_when_the_queue_does(studio, monkeypatch, redis_queue):
    import redis

    url, name = redis_queue
    configure(monkeypatch, queue_url=url, queue_name=name, rate_limit_writes="2/minute")
    hit("writes", "user:1")
    keys = [k.decode() for k in redis.Redis.from_url(url).scan_iter(f"*{name}*")]
    assert keys and all("writes" in k for k in keys)
    assert hit("writes", "user:1").remaining == 0


def test_a_malformed_limit_is_refused_at_start_up_naming_its_setting(studio, monkeypatch):
    configure(monkeypatch, rate_limit_writes="lots")
    from studio.settings import get_settings

    with pytest.raises(ValueError, match="STUDIO_RATE_LIMIT_WRITES='lots'"):
        check_rules(get_settings())
