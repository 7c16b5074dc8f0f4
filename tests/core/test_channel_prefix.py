"""Deployments sharing one Redis keep their live events, presence and cache to themselves."""

from __future__ import annotations

import runpy
import uuid
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from core.events import person_group
from core.live.presence import Present, RedisPresence
from tests.conftest import redis_url

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
LAYERS = [
    "channels_redis.pubsub.RedisPubSubChannelLayer",
    "channels_redis.core.RedisChannelLayer",
]


def _settings_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """The settings one deployment's processes read from `env`, as config/settings.py makes
    them."""
    for name in ("CHANNEL_LAYER_PREFIX", "CHANNEL_LAYER_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def _deployment(
    monkeypatch: pytest.MonkeyPatch, database: str, backend: str, secret: str
) -> dict[str, Any]:
    return _settings_of(
        monkeypatch,
        DATABASE_URL=f"postgres://collegia@127.0.0.1:5432/{database}",
        REDIS_URL=redis_url() or "redis://127.0.0.1:6379/0",
        SECRET_KEY=secret,
        CHANNEL_LAYER_BACKEND=backend,
    )


def test_the_default_prefix_differs_between_deployments_and_not_between_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = LAYERS[0]
    first = _deployment(monkeypatch, "coop_a", backend, "a" * 50)
    same = _deployment(monkeypatch, "coop_a", backend, "a" * 50)
    other_base = _deployment(monkeypatch, "coop_b", backend, "a" * 50)
    other_key = _deployment(monkeypatch, "coop_a", backend, "b" * 50)

    prefixes = {d["CHANNEL_LAYER_PREFIX"] for d in (first, other_base, other_key)}
    assert len(prefixes) == 3
    assert same["CHANNEL_LAYER_PREFIX"] == first["CHANNEL_LAYER_PREFIX"]
    assert "a" * 8 not in first["CHANNEL_LAYER_PREFIX"], "the secret key is hashed"
    for deployment in (first, other_base, other_key):
        prefix = deployment["CHANNEL_LAYER_PREFIX"]
        assert deployment["CHANNEL_LAYERS"]["default"]["CONFIG"]["prefix"] == prefix
        assert deployment["CACHES"]["default"]["KEY_PREFIX"] == prefix


def test_an_explicit_prefix_is_used_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = _settings_of(
        monkeypatch,
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="c" * 50,
        CHANNEL_LAYER_PREFIX="coursiers-prod.",
    )
    assert chosen["CHANNEL_LAYERS"]["default"]["CONFIG"]["prefix"] == "coursiers-prod."
    assert chosen["CACHES"]["default"]["KEY_PREFIX"] == "coursiers-prod."
    monkeypatch.setenv("CHANNEL_LAYER_PREFIX", "no spaces: allowed")
    with pytest.raises(ImproperlyConfigured, match="CHANNEL_LAYER_PREFIX"):
        runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.redis
@pytest.mark.parametrize("backend", LAYERS)
def test_two_deployments_on_one_redis_never_receive_each_others_events(
    monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    run = uuid.uuid4().hex
    configs = [
        _deployment(monkeypatch, f"coop_{name}", backend, f"{name}-{run}-" + "k" * 40)
        for name in ("a", "b")
    ]
    layers = [
        import_string(c["CHANNEL_LAYERS"]["default"]["BACKEND"])(
            **c["CHANNEL_LAYERS"]["default"]["CONFIG"]
        )
        for c in configs
    ]
    groups = ["proposal.7", person_group(42)]

    async def scenario() -> None:
        channels = [await layer.new_channel() for layer in layers]
        try:
            for layer, channel in zip(layers, channels, strict=True):
                for group in groups:
                    await layer.group_add(group, channel)
            for group in groups:
                # Deployment A speaks first, then B. Had A's message crossed over, each
                # of B's connections would read it before B's own (Redis keeps the order).
                await layers[0].group_send(group, {"type": "room.event", "sender": "a"})
                await layers[1].group_send(group, {"type": "room.event", "sender": "b"})
                assert (await layers[0].receive(channels[0]))["sender"] == "a"
                assert (await layers[1].receive(channels[1]))["sender"] == "b"
            # And the other way round, B first.
            for group in groups:
                await layers[1].group_send(group, {"type": "person.logout", "sender": "b"})
                await layers[0].group_send(group, {"type": "person.logout", "sender": "a"})
                assert (await layers[1].receive(channels[1]))["sender"] == "b"
                assert (await layers[0].receive(channels[0]))["sender"] == "a"
        finally:
            for layer, channel in zip(layers, channels, strict=True):
                for group in groups:
                    await layer.group_discard(group, channel)
                await layer.flush()

    async_to_sync(scenario)()


@pytest.mark.redis
def test_two_deployments_keep_separate_presence_and_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = uuid.uuid4().hex
    configs = [
        _deployment(monkeypatch, f"coop_{name}", LAYERS[0], f"{name}-{run}-" + "k" * 40)
        for name in ("a", "b")
    ]
    url = redis_url() or ""
    caches = [
        RedisCache(url, {"KEY_PREFIX": c["CACHES"]["default"]["KEY_PREFIX"]}) for c in configs
    ]
    try:
        caches[0].set("ratelimit:comment:7:1", 9, timeout=30)
        assert caches[1].get("ratelimit:comment:7:1") is None
        assert caches[1].add("ratelimit:comment:7:1", 0, timeout=30)
        assert caches[0].get("ratelimit:comment:7:1") == 9
    finally:
        for cache in caches:
            cache.delete("ratelimit:comment:7:1")

    stores = [
        RedisPresence(url, c["CHANNEL_LAYERS"]["default"]["CONFIG"]["prefix"]) for c in configs
    ]

    async def scenario() -> None:
        try:
            await stores[0].enter(7, "conn-a", Present(person_id=1, name="Claire"))
            assert await stores[1].people(7) == []
            assert await stores[0].people(7) == [Present(person_id=1, name="Claire")]
        finally:
            await stores[0].leave(7, "conn-a")

    async_to_sync(scenario)()
