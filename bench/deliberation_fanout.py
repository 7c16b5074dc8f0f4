"""Room fan-out: one comment to 1,000 WebSocket clients through Daphne and Redis, vs bare."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    PHASE_DEADLINE,
    ROUNDS,
    PhaseTimeout,
    Rounds,
    free_port,
    issue_tokens,
    record,
    run_child,
    scratch_database,
)
from config.redis import channel_layer_host

ROOT = Path(__file__).resolve().parent.parent
CLIENTS_FULL = 1000
CLIENTS_QUICK = 50
POSTS_FULL = 50
POSTS_QUICK = 10
WARMUP_POSTS = 3
CONNECT_BATCH = 20
DELIVERY_TIMEOUT = 15.0
CONNECT_DEADLINE = PHASE_DEADLINE
# The whole child, every phase included (each has its own deadline): past it the run
# fails and says so.
CHILD_DEADLINE = 900
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
GOAL_P99_RATIO = 1.3
SECRET_KEY = "bench-only-secret-key-" + "x" * 40
# The servers and the child's own layer share one channel-layer prefix, named for the run
# (from its scratch database) so that two runs on one Redis never hear each other.
CHANNEL_LAYER_PREFIX = os.environ.get("BENCH_CHANNEL_PREFIX", "collegia-bench.")
LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
PRODUCT_APP = "config.asgi:application"
# The servers' error output, kept for reading when a figure looks wrong.
RESULTS_LOG = ROOT / "bench" / "results" / "deliberation_fanout_servers.log"
BARE_APP = "bench._fanout_asgi:application"


# Helpers.


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _server_env(layer: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CHANNEL_LAYER_BACKEND": LAYERS[layer],
        "SECRET_KEY": SECRET_KEY,
        "AUDIT_KEY": "bench-1:" + "b" * 43,
        "BALLOT_SEAL_KEY": "bench-only-ballot-seal-key-" + "z" * 40,
        "CHANNEL_LAYER_PREFIX": CHANNEL_LAYER_PREFIX,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def daphne(app: str, layer: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A real Daphne server process on a free loopback port."""
    port = free_port()
    log = RESULTS_LOG.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=ROOT,
        env=_server_env(layer),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                error = RESULTS_LOG.read_text(errors="replace")
                raise RuntimeError(f"Daphne ({app}) exited at start:\n{error[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Daphne ({app}) did not listen in time") from None
                time.sleep(0.1)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# The clients.


@dataclass
class Room:
    port: int
    proposal_id: int
    tokens: list[str]
    # marker -> {client number: first arrival}: a frame counts once per client, and a
    # second copy of one comment reaching the same client is a duplicate, not a delivery.
    arrivals: dict[int, dict[int, float]] = field(default_factory=dict)
    duplicates: int = 0
    sockets: list[Any] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)
    failed_connects: int = 0

    def note(self, client: int, text: str) -> None:
        """Record the arrival of a marked comment; everything else is ignored cheaply."""
        start = text.find("[[")
        if start < 0 or '"comment.created"' not in text:
            return
        end = text.find("]]", start)
        seen = self.arrivals.setdefault(int(text[start + 2 : end]), {})
        if client in seen:
            self.duplicates += 1
        else:
            seen[client] = time.perf_counter()


async def _client(room: Room, client: int, token: str) -> None:
    from websockets.asyncio.client import connect

    uri = f"ws://127.0.0.1:{room.port}/ws/proposals/{room.proposal_id}/"
    try:
        ws = await connect(
            uri,
            origin=f"http://127.0.0.1:{room.port}",  # type: ignore[arg-type]
            additional_headers={"Authorization": f"Token {token}"},
            open_timeout=60,
            max_size=2**20,
        )
    except Exception:
        room.failed_connects += 1
        return
    room.sockets.append(ws)

    async def read() -> None:
        try:
            async for message in ws:
                if isinstance(message, str):
                    room.note(client, message)
        except Exception:
            return

    room.readers.append(asyncio.ensure_future(read()))


async def _connect_all(room: Room, tokens: list[str], first: int = 0) -> None:
    """Connect the clients in batches; give up with a message past CONNECT_DEADLINE."""

    async def connect() -> None:
        for start in range(0, len(tokens), CONNECT_BATCH):
            batch = tokens[start : start + CONNECT_BATCH]
            await asyncio.gather(
                *(_client(room, first + start + n, t) for n, t in enumerate(batch))
            )

    try:
        await asyncio.wait_for(connect(), CONNECT_DEADLINE)
    except TimeoutError:
        raise RuntimeError(
            f"Waited {CONNECT_DEADLINE:.0f} s for {len(tokens)} WebSocket clients to connect "
            f"to port {room.port}; {len(room.sockets)} did"
        ) from None


async def _close_all(room: Room) -> None:
    await asyncio.gather(*(ws.close() for ws in room.sockets), return_exceptions=True)
    for reader in room.readers:
        reader.cancel()
    room.sockets.clear()
    room.readers.clear()


# A post that has not reached every socket within DELIVERY_TIMEOUT is late (the client may
# still fill the gap when the next event shows it); past this many late posts on one side,
# the phase fails rather than waiting DELIVERY_TIMEOUT for each of the rest.
MAX_LATE_POSTS = 3


async def _wait_delivered(room: Room, marker: int, expected: int) -> bool:
    """Wait until every open socket has the comment; False when DELIVERY_TIMEOUT passed."""
    deadline = time.perf_counter() + DELIVERY_TIMEOUT
    while len(room.arrivals.get(marker, ())) < expected:
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True


# One layer: both servers up with their clients, posts alternating between them.


@dataclass
class Side:
    """One server under test: its process, its room of clients and what it measured."""

    name: str
    process: subprocess.Popen[bytes]
    room: Room
    post: Any
    # When the server handed each marked comment to the channel layer (its group_send).
    layer_sent: dict[int, float] = field(default_factory=dict)
    # From the post's call (the product's includes writing the comment) to each arrival.
    latencies: list[float] = field(default_factory=list)
    # From the layer's group_send to each arrival: the fan-out itself. The measured posts
    # are cut into ROUNDS rounds, each with its own p99.
    fanout_latencies: list[float] = field(default_factory=list)
    round_latencies: list[list[float]] = field(default_factory=lambda: [[] for _ in range(ROUNDS)])
    post_ms: list[float] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    sent_at: dict[int, float] = field(default_factory=dict)
    delivered: int = 0
    rss_before: int = 0
    rss_after: int = 0
    connect_seconds: float = 0.0
    open_sockets: int = 0

    def figures(self, posts: int) -> dict[str, Any]:
        clients = len(self.room.tokens)
        return {
            "p50_ms": round(_percentile(self.fanout_latencies, 0.50), 2),
            "p99_ms": round(_percentile(self.fanout_latencies, 0.99), 2),
            "end_to_end_p50_ms": round(_percentile(self.latencies, 0.50), 2),
            "end_to_end_p99_ms": round(_percentile(self.latencies, 0.99), 2),
            "round_p99_ms": [round(_percentile(r, 0.99), 2) for r in self.round_latencies],
            "delivered": self.delivered,
            "expected": posts * clients,
            "kib_per_connection": round(
                (self.rss_after - self.rss_before) / max(1, clients - 1), 1
            ),
            "connect_seconds": round(self.connect_seconds, 2),
            "open_sockets": self.open_sockets,
            "failed_connects": self.room.failed_connects,
            "duplicates": self.room.duplicates,
            "post_call_p50_ms": round(_percentile(self.post_ms, 0.5), 2),
            "post_call_p99_ms": round(_percentile(self.post_ms, 0.99), 2),
        }


async def _fill(side: Side) -> None:
    room = side.room
    # One connection first, so that lazy imports and caches count before the baseline.
    await _connect_all(room, room.tokens[:1])
    await asyncio.sleep(1.0)
    side.rss_before = _rss_kib(side.process.pid)
    started = time.perf_counter()
    await _connect_all(room, room.tokens[1:], first=1)
    side.connect_seconds = time.perf_counter() - started


async def _measure_post(side: Side, number: int, measured: bool) -> None:
    sent_at = time.perf_counter()
    await side.post(number)
    call_ms = (time.perf_counter() - sent_at) * 1000
    if not await _wait_delivered(side.room, number, side.open_sockets):
        side.late.append(number)
        if len(side.late) > MAX_LATE_POSTS:
            got = {n: len(side.room.arrivals.get(n, ())) for n in side.late}
            raise PhaseTimeout(
                f"Waited {DELIVERY_TIMEOUT:.0f} s each for comments {side.late} to reach "
                f"{side.open_sockets} sockets of the {side.name} server (port "
                f"{side.room.port}); they reached {got}"
            )
    if measured:
        side.sent_at[number] = sent_at
        side.post_ms.append(call_ms)


def _tally(side: Side, posts: int) -> None:
    """Count arrivals at the end, so that events recovered later (a client filling a gap
    when the next event shows it) count, at the time they arrived."""
    for number, sent_at in side.sent_at.items():
        arrivals = side.room.arrivals.get(number, {})
        side.delivered += len(arrivals)
        latencies = [(at - sent_at) * 1000 for at in arrivals.values()]
        side.latencies.extend(latencies)
        layer_at = side.layer_sent.get(number)
        if layer_at is None:
            raise RuntimeError(f"The {side.name} server never sent comment {number} to its group")
        fanout = [(at - layer_at) * 1000 for at in arrivals.values()]
        side.fanout_latencies.extend(fanout)
        side.round_latencies[(number - WARMUP_POSTS) * ROUNDS // posts].extend(fanout)


async def _compare(
    *,
    layer: str,
    room_ids: dict[str, int],
    tokens: list[str],
    posts: int,
    poster: dict[str, Any],
    layer_sent: dict[str, dict[int, float]],
) -> dict[str, Any]:
    """Run the bare and the product servers side by side and alternate their posts, so
    that both see the same moments of a shared, noisy machine."""
    with (
        daphne(BARE_APP, layer) as (bare_process, bare_port),
        daphne(PRODUCT_APP, layer) as (product_process, product_port),
    ):
        sides = [
            Side(
                "bare",
                bare_process,
                Room(bare_port, room_ids["bare"], tokens),
                poster["bare"],
                layer_sent["bare"],
            ),
            Side(
                "product",
                product_process,
                Room(product_port, room_ids["product"], tokens),
                poster["product"],
                layer_sent["product"],
            ),
        ]
        for side in sides:
            await _fill(side)
        # Presence updates after the joins settle before anything is measured.
        await asyncio.sleep(3.0)
        for side in sides:
            side.rss_after = _rss_kib(side.process.pid)
            side.open_sockets = sum(1 for ws in side.room.sockets if ws.close_code is None)
        for number in range(WARMUP_POSTS + posts):
            order = sides if number % 2 else list(reversed(sides))
            for side in order:
                await _measure_post(side, number, number >= WARMUP_POSTS)
                await asyncio.sleep(0.1)
        # One more event, not measured, lets clients that missed the last one notice it.
        for side in sides:
            await _measure_post(side, WARMUP_POSTS + posts, False)
        await asyncio.sleep(2.0)
        for side in sides:
            _tally(side, posts)
            await _close_all(side.room)
    return {side.name: side.figures(posts) for side in sides}


# The child process: Django against the scratch database, then every phase.


def _setup_room(clients: int) -> tuple[int, list[str], list[Any]]:
    """A cooperative, a published proposal and `clients` members with API tokens.

    Members are written in bulk (people, their guardian grant, their token): the bench
    measures the room, not admissions.
    """
    from django.contrib.auth.models import Permission

    from deliberation import services
    from governance import services as governance_services
    from governance.models import CooperativeUserPermission, Person

    tag = uuid.uuid4().hex[:6]
    chair = Person.objects.create_user(username=f"chair-{tag}", password="x")
    cooperative = governance_services.cooperative_create(
        actor=chair, name=f"Bench {tag}", slug=f"bench-{tag}", legal_form="scic_sa"
    )
    people = Person.objects.bulk_create(
        Person(username=f"m{n}-{tag}", display_name=f"Membre {n}") for n in range(clients)
    )
    permission = Permission.objects.get(
        codename="participate_in_cooperative", content_type__app_label="governance"
    )
    CooperativeUserPermission.objects.bulk_create(
        CooperativeUserPermission(user=p, permission=permission, content_object=cooperative)
        for p in people
    )
    tokens = issue_tokens(people)
    proposal = services.proposal_create(
        actor=chair, cooperative=cooperative, title="Bench", body="<p>Fan-out</p>"
    )
    services.proposal_publish(actor=chair, proposal=proposal)
    return proposal.pk, tokens, people


def child(clients: int, posts: int) -> dict[str, Any]:
    import django

    RESULTS_LOG.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_LOG.write_text("")
    os.environ.update(_server_env("pubsub"))
    django.setup()
    from asgiref.sync import sync_to_async
    from channels.layers import channel_layers
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from deliberation import services
    from deliberation.models import Proposal

    call_command("migrate", verbosity=0)
    proposal_id, tokens, people = _setup_room(clients)
    proposal = Proposal.objects.get(pk=proposal_id)
    redis_url = os.environ["REDIS_URL"]
    # The bare server's room: another group, so that each server hears only its own posts.
    bare_room = proposal_id + 1_000_000_000

    def post_comment(number: int) -> None:
        with transaction.atomic(durable=True):
            services.comment_create(
                actor=people[number % len(people)],
                proposal=proposal,
                body=f"<p>Un avis de plus [[{number}]]</p>",
            )

    def bare_message(number: int) -> dict[str, Any]:
        """The same frame as a new comment's, for the bare consumer to forward."""
        author = people[number % len(people)]
        now = timezone.now().isoformat()
        frame = {
            "type": "comment.created",
            "seq": 10_000 + number,
            "proposal_id": bare_room,
            "at": now,
            "data": {
                "comment_id": 10_000 + number,
                "parent_id": None,
                "depth": 0,
                "author": {"id": author.pk, "name": str(author)},
                "stance": "",
                "created_at": now,
                "edited_at": None,
                "is_hidden": False,
                "is_deleted": False,
                "body": f"<p>Un avis de plus [[{number}]]</p>",
            },
        }
        return {
            "type": "room.event",
            "event": frame,
            "text": json.dumps(frame, separators=(",", ":")),
        }

    async def measure(layer: str) -> dict[str, Any]:
        channel_layers.set(
            "default",
            import_string(LAYERS[layer])(
                hosts=[channel_layer_host(redis_url)], prefix=CHANNEL_LAYER_PREFIX
            ),
        )
        layer_instance = channel_layers["default"]
        # Both servers' comments leave through this layer (the product's from publish(),
        # after the comment's transaction commits): the time of each one's group_send
        # starts its fan-out.
        layer_sent: dict[str, dict[int, float]] = {"bare": {}, "product": {}}
        group_send = layer_instance.group_send

        async def timed_group_send(group: str, message: dict[str, Any]) -> None:
            text = message.get("text") or ""
            start = text.find("[[")
            if message.get("type") == "room.event" and start >= 0:
                side = "bare" if group == f"proposal.{bare_room}" else "product"
                marker = int(text[start + 2 : text.find("]]", start)])
                layer_sent[side].setdefault(marker, time.perf_counter())
            await group_send(group, message)

        layer_instance.group_send = timed_group_send

        async def bare_post(number: int) -> None:
            await layer_instance.group_send(f"proposal.{bare_room}", bare_message(number))

        figures = await _compare(
            layer=layer,
            room_ids={"bare": bare_room, "product": proposal_id},
            tokens=tokens,
            posts=posts,
            poster={"bare": bare_post, "product": sync_to_async(post_comment)},
            layer_sent=layer_sent,
        )
        await layer_instance.flush()
        return figures

    figures = {}
    for layer in ("pubsub", "core"):
        figures[layer] = asyncio.run(measure(layer))
    return figures


def run(quick: bool) -> None:
    clients = CLIENTS_QUICK if quick else CLIENTS_FULL
    posts = POSTS_QUICK if quick else POSTS_FULL
    with scratch_database("deliberation") as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "BENCH_CHANNEL_PREFIX": url.rsplit("/", 1)[-1] + ".",
            "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS,
        }
        figures = run_child(
            "bench.deliberation_fanout",
            "child",
            str(clients),
            str(posts),
            env=env,
            timeout=CHILD_DEADLINE,
            what=f"the fan-out child (its servers' log is {RESULTS_LOG})",
        )

    RESULTS_LOG.with_name("deliberation_fanout.json").write_text(json.dumps(figures, indent=2))
    report(figures, clients=clients, posts=posts, quick=quick)


def report(figures: dict[str, Any], *, clients: int, posts: int, quick: bool) -> None:
    size = f"{clients} clients, {posts} posts"
    for layer in ("pubsub", "core"):
        product, bare = figures[layer]["product"], figures[layer]["bare"]
        # Posts alternate between the servers; each round's p99 gives one ratio.
        rounds = Rounds(baseline=bare["round_p99_ms"], product=product["round_p99_ms"])
        record(
            f"deliberation_fanout_p99 ({layer} layer, {size}, from the layer's group_send)",
            round(rounds.median_product, 2),
            "ms",
            baseline_name="bare Channels consumer forwarding the same payload, same layer",
            baseline_value=round(rounds.median_baseline, 2),
            goal=f"ratio <= {GOAL_P99_RATIO}",
            met=None if quick else rounds.median_ratio <= GOAL_P99_RATIO,
            rounds=rounds,
        )
        record(
            f"deliberation_fanout_end_to_end_p99 ({layer} layer, {size}, from the post's call)",
            product["end_to_end_p99_ms"],
            "ms",
            baseline_name="bare: group_send of the same payload, no write",
            baseline_value=bare["end_to_end_p99_ms"],
        )
        record(
            f"deliberation_fanout_p50 ({layer} layer, {size})",
            product["p50_ms"],
            "ms",
            baseline_name="bare Channels consumer, same layer",
            baseline_value=bare["p50_ms"],
        )
        record(
            f"deliberation_memory_per_connection ({layer} layer, {clients} clients)",
            product["kib_per_connection"],
            "KiB",
            baseline_name="bare Channels consumer, same layer",
            baseline_value=bare["kib_per_connection"],
        )
        record(
            f"deliberation_fanout_delivered ({layer} layer, {size})",
            product["delivered"],
            "frames",
            baseline_name="expected (clients x posts)",
            baseline_value=product["expected"],
            goal="every client receives every comment, once",
            met=product["delivered"] == product["expected"] and product["duplicates"] == 0,
        )
        if product["delivered"] != product["expected"]:
            raise RuntimeError(
                f"{layer} layer: {product['expected'] - product['delivered']} of "
                f"{product['expected']} comment deliveries were lost"
            )
        if product["duplicates"] or bare["duplicates"]:
            raise RuntimeError(
                f"{layer} layer: a client received the same comment twice "
                f"(product {product['duplicates']}, bare {bare['duplicates']} duplicates)"
            )
    product, bare = figures["pubsub"]["product"], figures["pubsub"]["bare"]
    rate = round((clients - 1) / max(product["connect_seconds"], 1e-6), 1)
    bare_rate = round((clients - 1) / max(bare["connect_seconds"], 1e-6), 1)
    record(
        f"deliberation_connect_rate (pubsub layer, {clients} clients, {CONNECT_BATCH} at a time)",
        rate,
        "connections/s",
        baseline_name="bare Channels consumer, same layer",
        baseline_value=bare_rate,
        # The goal is set at 1,000 clients; a quick run measures too few to judge.
        goal="ratio >= 0.3",
        met=None if quick else rate / max(bare_rate, 1e-6) >= 0.3,
    )
    record(
        f"deliberation_comment_write_p50 (pubsub layer, {size})",
        product["post_call_p50_ms"],
        "ms",
        baseline_name="bare group_send of the same payload",
        baseline_value=bare["post_call_p50_ms"],
    )
    record(
        f"deliberation_layer_choice_p99 (core vs pub/sub, product, {size})",
        figures["core"]["product"]["p99_ms"],
        "ms",
        baseline_name="pub/sub layer (the configured default)",
        baseline_value=figures["pubsub"]["product"]["p99_ms"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deliberation_fanout")
    sub = parser.add_subparsers(dest="command")
    child_parser = sub.add_parser("child")
    child_parser.add_argument("clients", type=int)
    child_parser.add_argument("posts", type=int)
    args = parser.parse_args(argv)
    if args.command == "child":
        print(json.dumps(child(args.clients, args.posts)))
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
