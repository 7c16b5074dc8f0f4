"""Webhook delivery: 10,000 events, two worker processes, a local receiver down for a while."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import (
    PHASE_DEADLINE,
    ROUNDS,
    Rounds,
    record,
    run_child,
    scratch_database,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
EVENTS_FULL = 10_000
EVENTS_QUICK = 300
GOAL_RATIO = 0.5
WORKERS = 2
CONCURRENCY = 16
# The retry schedule runs 1,000 times faster: 5 min becomes 0.3 s, 30 min 1.8 s.
RETRY_SCALE = 0.001
OUTAGE_FULL = 3.0
OUTAGE_QUICK = 1.5


# The receiver: a threaded HTTP server that can go down and come back on the same port.


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Bursts of parallel connections must queue, not overflow into SYN retransmits.
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], receiver: Receiver) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver = self.server.receiver
        if receiver.down:
            # A connection kept alive across the outage is cut without an answer.
            self.close_connection = True
            return
        receiver.add(
            Received(
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
                at=time.time(),
            )
        )
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Receiver:
    """Records every request it answers with 200; ``stop`` refuses connections until
    ``start`` listens again on the same port."""

    def __init__(self) -> None:
        self.port = 0
        self.down = False
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._server: _Server | None = None
        # The index of first deliveries, and how many requests it has read so far.
        self._indexed = 0
        self._first: dict[tuple[int, int], dict[int, float]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def add(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._indexed = 0
            self._first.clear()

    def first_deliveries(self, phase: int, round_number: int = 0) -> dict[int, float]:
        """Event seq -> wall time of its first answered delivery, for one phase and round.

        Each request's body is read once, when a call first sees it: polling must not
        re-read every request so far, which would take the receiver's threads' time in
        the workers' rounds only (the bare senders' rounds are not polled)."""
        with self._lock:
            new = self._received[self._indexed :]
            self._indexed = len(self._received)
        for item in new:
            if b'"phase"' not in item.body:
                continue
            data = json.loads(item.body)["data"]
            first = self._first.setdefault((data["phase"], data.get("round", 0)), {})
            seq = data["seq"]
            first[seq] = min(first.get(seq, item.at), item.at)
        return self._first.get((phase, round_number), {})

    def start(self) -> None:
        server = _Server(("127.0.0.1", self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self.down = False
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self.down = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# The baseline: signed POSTs from plain threads over kept-alive connections, no database.


def bare_send(url: str, secret: str, count: int, concurrency: int, start_at: float) -> float:
    """Send ``count`` signed webhooks, starting at the wall time ``start_at``; return the
    wall time the last answer arrived."""
    from datetime import UTC, datetime

    import httpx

    from webhooks.signing import build_headers, canonical_body, new_message_id

    local = threading.local()

    def post(seq: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(trust_env=False, timeout=30)
        body = canonical_body(
            event_type="decision.adopted", timestamp=datetime.now(UTC), data={"seq": seq}
        )
        headers = build_headers(
            secrets=[secret], msg_id=new_message_id(), timestamp=int(time.time()), body=body
        )
        response = client.post(url, content=body, headers=headers)
        response.raise_for_status()

    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(post, range(count)))
    return time.time()


def _bare_rate(receiver: Receiver, secret: str, count: int) -> float:
    """Deliveries per second of WORKERS bare sender processes sharing ``count`` POSTs."""
    start_at = time.time() + 2.0
    share = count // WORKERS
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.webhooks_delivery",
                "bare",
                receiver.url,
                secret,
                str(share),
                str(CONCURRENCY),
                repr(start_at),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    ends = []
    for process in processes:
        stdout, _stderr = process.communicate(timeout=PHASE_DEADLINE)
        if process.returncode != 0:
            raise RuntimeError("A bare sender failed.")
        ends.append(float(stdout.strip().splitlines()[-1]))
    return share * WORKERS / (max(ends) - start_at)


# The measured run, in a child process configured for the scratch database.


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def child(events: int, outage: float, rounds: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from standardwebhooks.webhooks import Webhook

    from core.models import OutboxEvent
    from core.outbox import outbox_emit
    from governance.models import Person
    from governance.services import cooperative_create
    from webhooks.models import Attempt
    from webhooks.services import endpoint_create

    call_command("migrate", verbosity=0)
    receiver = Receiver()
    receiver.start()
    chair = Person.objects.create_user(username="bench-chair")
    cooperative = cooperative_create(actor=chair, name="Bench", slug="bench", legal_form="scic_sa")
    endpoint = endpoint_create(actor=chair, cooperative=cooperative, url=receiver.url)
    OutboxEvent.objects.update(dispatched_at=timezone.now())

    # Baseline warm-up; the measured bare rounds alternate with the workers' below.
    _bare_rate(receiver, endpoint.secret, min(events, 200))
    receiver.clear()

    log_path = Path(tempfile.mkdtemp()) / "workers.log"
    # A log line per request would cost more than the delivery: workers log warnings only.
    worker_env = {**os.environ, "LOG_LEVEL": "WARNING"}
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "deliver_webhooks",
        "--concurrency",
        str(CONCURRENCY),
        "--retry-scale",
        str(RETRY_SCALE),
        "--timeout",
        "5",
    ]
    with open(log_path, "w") as log:
        workers = [
            subprocess.Popen(
                command, cwd=ROOT, env=worker_env, stdout=subprocess.PIPE, stderr=log, text=True
            )
            for _ in range(WORKERS)
        ]
    for process in workers:
        assert process.stdout is not None
        if not process.stdout.readline():
            raise RuntimeError(f"A worker did not start; see {log_path}.")

    delivered = receiver.first_deliveries

    # Phase 1, throughput, in rounds alternating with the bare senders': each round a
    # backlog committed at once, the receiver up all along.
    throughput = Rounds()
    drain_seconds = 0.0
    for round_number in range(rounds):
        bare = _bare_rate(receiver, endpoint.secret, events)
        with transaction.atomic():
            OutboxEvent.objects.bulk_create(
                OutboxEvent(
                    cooperative_id=cooperative.pk,
                    type="decision.adopted",
                    data={"phase": 1, "round": round_number, "seq": seq},
                )
                for seq in range(events)
            )
        committed_at = time.time()
        wait_until(
            lambda n=round_number: len(delivered(1, n)) >= events,
            seconds=PHASE_DEADLINE,
            what=f"the workers to deliver {events} events (round {round_number + 1})",
            progress=lambda n=round_number: f"{len(delivered(1, n))} delivered",
        )
        drain_seconds = max(delivered(1, round_number).values()) - committed_at
        throughput.add(bare, events / drain_seconds)

    # Phase 2, resilience: events committed in small transactions at half the throughput
    # just measured, so that latency shows the outage rather than a saturated queue; the
    # receiver is down for ``outage`` seconds from a quarter of the stream on.
    pace = max(10.0, 0.5 * events / drain_seconds)
    stream_started = time.monotonic()
    commit_times: dict[int, float] = {}
    quarter = threading.Event()

    def take_receiver_down() -> None:
        quarter.wait()
        receiver.stop()
        time.sleep(outage)
        receiver.start()

    outage_thread = threading.Thread(target=take_receiver_down)
    outage_thread.start()
    batch = 10
    for start in range(0, events, batch):
        time.sleep(max(0.0, stream_started + start / pace - time.monotonic()))
        seqs = range(start, min(start + batch, events))
        with transaction.atomic():
            for seq in seqs:
                outbox_emit(
                    cooperative_id=cooperative.pk,
                    type="decision.adopted",
                    data={"phase": 2, "seq": seq},
                )
        now = time.time()
        for seq in seqs:
            commit_times[seq] = now
        if start >= events // 4:
            quarter.set()
    quarter.set()
    outage_thread.join()
    wait_until(
        lambda: len(delivered(2)) >= events,
        seconds=PHASE_DEADLINE,
        what=f"the workers to deliver {events} events across a {outage} s outage",
        progress=lambda: f"{len(delivered(2))} delivered",
    )
    resilience = delivered(2)

    for process in workers:
        process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise RuntimeError("A webhook worker did not stop within 60 s of SIGTERM") from None

    # Verify every request with the reference library, then count losses and duplicates.
    webhook = Webhook(endpoint.secret)
    ids_per_event: dict[tuple[int, int, int], set[str]] = {}
    # The bare senders' POSTs, which alternate with the workers' rounds, carry no phase.
    requests = [r for r in receiver.received() if b'"phase"' in r.body]
    for item in requests:
        payload = webhook.verify(item.body, item.headers)
        data = payload["data"]
        key = (data["phase"], data.get("round", 0), data["seq"])
        ids_per_event.setdefault(key, set()).add(item.headers["webhook-id"])
    expected = {(1, r, seq) for r in range(rounds) for seq in range(events)}
    expected |= {(2, 0, seq) for seq in range(events)}
    lost = len(expected - set(ids_per_event))
    duplicated = sum(1 for ids in ids_per_event.values() if len(ids) > 1)
    latencies = [resilience[seq] - commit_times[seq] for seq in resilience]
    receiver.stop()
    return {
        "events": events,
        "bare_rates": throughput.baseline,
        "rates": throughput.product,
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "lost": lost,
        "duplicated": duplicated,
        "redelivered": len(requests) - len(ids_per_event),
        "attempts": Attempt.objects.count(),
        "outage": outage,
        "pace": pace,
    }


# Scratch database on the server named by DATABASE_URL.


def run(quick: bool) -> None:
    events = EVENTS_QUICK if quick else EVENTS_FULL
    outage = OUTAGE_QUICK if quick else OUTAGE_FULL
    with scratch_database("webhooks") as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
        figures = run_child(
            "bench.webhooks_delivery",
            "child",
            str(events),
            str(outage),
            str(ROUNDS),
            env=env,
            timeout=PHASE_DEADLINE * (2 * ROUNDS + 2),
            what="the webhook delivery child",
        )
    size = f"{events} events, {WORKERS} workers x {CONCURRENCY}"
    throughput = Rounds(baseline=figures["bare_rates"], product=figures["rates"])
    record(
        f"webhooks_deliveries_per_s ({size})",
        round(throughput.median_product, 1),
        "deliveries/s",
        baseline_name="bare signed POSTs, same concurrency, kept-alive, no database",
        baseline_value=round(throughput.median_baseline, 1),
        goal=f"ratio >= {GOAL_RATIO}",
        met=None if quick else throughput.median_ratio >= GOAL_RATIO,
        rounds=throughput,
    )
    record(
        f"webhooks_p50_commit_to_first_success ({figures['pace']:.0f} events/s, outage {outage} s)",
        round(figures["p50"], 3),
        "s",
    )
    record(
        f"webhooks_p99_commit_to_first_success (outage {outage} s, retries x{RETRY_SCALE})",
        round(figures["p99"], 3),
        "s",
    )
    lost = record(
        f"webhooks_lost ({(ROUNDS + 1) * events} events)",
        figures["lost"],
        "events",
        goal="0",
        met=figures["lost"] == 0,
    )
    duplicated = record(
        "webhooks_duplicated_after_dedup",
        figures["duplicated"],
        "events",
        goal="0",
        met=figures["duplicated"] == 0,
    )
    record("webhooks_redelivered_same_id (context)", figures["redelivered"], "requests")
    if not quick and not (lost["met"] and duplicated["met"]):
        raise AssertionError(f"Webhook delivery lost or duplicated events: {figures}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks_delivery")
    commands = parser.add_subparsers(dest="command", required=True)
    child_parser = commands.add_parser("child")
    child_parser.add_argument("events", type=int)
    child_parser.add_argument("outage", type=float)
    child_parser.add_argument("rounds", type=int)
    bare_parser = commands.add_parser("bare")
    bare_parser.add_argument("url")
    bare_parser.add_argument("secret")
    bare_parser.add_argument("count", type=int)
    bare_parser.add_argument("concurrency", type=int)
    bare_parser.add_argument("start_at", type=float)
    quick_parser = commands.add_parser("run")
    quick_parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "child":
        print(json.dumps(child(args.events, args.outage, args.rounds)))
    elif args.command == "bare":
        print(bare_send(args.url, args.secret, args.count, args.concurrency, args.start_at))
    else:
        from bench.common import markdown_table, results

        # Run alone, the figures are printed; `python -m bench` writes latest.json.
        run(quick=args.quick)
        print(markdown_table(results()))


if __name__ == "__main__":
    main(sys.argv[1:])
