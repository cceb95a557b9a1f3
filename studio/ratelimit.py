"""Abuse limits: request rates, failed logins and signups, counted with the `limits` library.

Counters live in Redis when the queue does (shared by every web process), else in memory.
A limit set to an empty value is off.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from studio.errors import RateLimited
from studio.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quota:
    """Where one client stands against one limit (what the RateLimit-* headers say)."""

    limit: int
    remaining: int
    reset_after: int  # seconds until the window starts over
    allowed: bool  # hit(): whether this event was within the limit; check(): whether one is

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining)),
            "RateLimit-Reset": str(self.reset_after),
        }


def _rules(settings: Settings) -> dict[str, str]:
    return {
        "writes": settings.rate_limit_writes,
        "reads": settings.rate_limit_reads,
        "login_failures": settings.login_failures,
        "signups": f"{settings.signups_per_ip_day}/day" if settings.signups_per_ip_day > 0 else "",
    }


def check_rules(settings: Settings) -> None:
    """Fail at start-up, naming the setting, when a limit is not "N/period"."""
    for kind, rule in _rules(settings).items():
        if rule.strip():
            try:
                _item(rule.strip())
            except ValueError:
                name = "STUDIO_" + {"writes": "RATE_LIMIT_WRITES", "reads": "RATE_LIMIT_READS"}.get(
                    kind, kind.upper()
                )
                raise ValueError(f"{name}={rule!r} is not a limit like 100/15minutes") from None


@lru_cache(maxsize=8)
def _limiter(storage_uri: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(storage_uri))


@lru_cache(maxsize=32)
def _item(rule: str) -> RateLimitItem:
    return parse(rule)


def _setup(kind: str) -> tuple[FixedWindowRateLimiter, RateLimitItem, str] | None:
    settings = get_settings()
    rule = _rules(settings)[kind].strip()
    if not rule:
        return None
    queue = settings.resolved_queue_url
    uri = queue if queue.startswith(("redis://", "rediss://")) else "memory://"
    # Each studio its own counters, also when several share one Redis (or one test process).
    namespace = f"studio:{settings.queue_name}:{settings.data_dir}"
    return _limiter(uri), _item(rule), namespace


def _quota(limiter: FixedWindowRateLimiter, item: RateLimitItem, *ids: str) -> Quota:
    stats = limiter.get_window_stats(item, *ids)
    reset_after = max(1, math.ceil(stats.reset_time - time.time()))
    return Quota(item.amount, stats.remaining, reset_after, allowed=stats.remaining > 0)


def hit(kind: str, key: str) -> Quota | None:
    """Count one event of `kind` for `key`; its quota afterwards (exhausted: refuse it), or
    None when that limit is off."""
    setup = _setup(kind)
    if setup is None:
        return None
    limiter, item, namespace = setup
    allowed = limiter.hit(item, namespace, kind, key)
    quota = _quota(limiter, item, namespace, kind, key)
    return Quota(quota.limit, quota.remaining, quota.reset_after, allowed=allowed)


def check(kind: str, key: str) -> Quota | None:
    """The quota of `key` without counting anything (None when the limit is off)."""
    setup = _setup(kind)
    if setup is None:
        return None
    limiter, item, namespace = setup
    return _quota(limiter, item, namespace, kind, key)


def clear(kind: str, key: str) -> None:
    """Start `key`'s count for `kind` over (a successful login clears its failures)."""
    setup = _setup(kind)
    if setup is not None:
        limiter, item, namespace = setup
        limiter.clear(item, namespace, kind, key)


def refuse_if_exhausted(kind: str, key: str, message: str) -> None:
    """RateLimited (429 with Retry-After) when `key` has no quota left for `kind`."""
    quota = check(kind, key)
    if quota is not None and not quota.allowed:
        logger.warning("rate limited kind=%s", kind)
        raise RateLimited(f"{message}: try again in {quota.reset_after} s", quota.reset_after)


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The caller's address: the peer's, or the nearest untrusted one in X-Forwarded-For when
    the peer is a trusted proxy (STUDIO_TRUSTED_PROXIES)."""
    peer = peer or "unknown"
    trusted = _trusted_networks(get_settings().trusted_proxies)
    if not forwarded_for or not _in(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, trusted):
            return hop
    return peer


@lru_cache(maxsize=4)
def _trusted_networks(setting: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(n.strip(), strict=False) for n in setting.split(",") if n.strip()
    )


def _in(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
