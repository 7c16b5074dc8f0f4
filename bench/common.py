"""Shared helpers of the benchmarks: record figures and write bench/results/latest.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Each ratio is the median of this many alternating rounds (baseline, product, ...).
ROUNDS = 3
# No phase of a benchmark waits longer than this unless it says otherwise.
PHASE_DEADLINE = 300.0
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"

_results: list[dict[str, Any]] = []


def record(
    name: str,
    value: float,
    unit: str,
    baseline_name: str | None = None,
    baseline_value: float | None = None,
    goal: str | None = None,
    met: bool | None = None,
    rounds: Rounds | None = None,
) -> dict[str, Any]:
    """Append one figure; the ratio is computed when a baseline is given. With `rounds`,
    the ratio is the median of the rounds' own ratios and its spread is reported."""
    ratio = None
    if rounds is not None:
        ratio = round(rounds.median_ratio, 3)
    elif baseline_value:
        ratio = round(value / baseline_value, 3)
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": baseline_value,
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }
    if rounds is not None:
        row["rounds"] = len(rounds.ratios)
        row["spread"] = [round(r, 3) for r in rounds.spread]
    _results.append(row)
    return row


def results() -> list[dict[str, Any]]:
    return list(_results)


def child_or_run(
    argv: list[str], *, prog: str, child: Callable[..., Any], run: Callable[..., None]
) -> None:
    """The command line of a benchmark that measures in a child process: `child N [N ...]`
    prints `child(N, ...)` as JSON for `run_child` to read; `run [--quick]` runs the whole
    benchmark and writes the results."""
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("child").add_argument("sizes", type=int, nargs="+")
    commands.add_parser("run").add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "child":
        print(json.dumps(child(*args.sizes)))
    else:
        run(quick=args.quick)
        write_results()


def add_results(rows: list[dict[str, Any]]) -> None:
    """Figures a child process recorded (its `results()`, read back by `run_child`)."""
    _results.extend(rows)


def machine() -> str:
    cores = os.cpu_count() or 1
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f", {kib // (1024 * 1024)} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cores} cores{memory}, {platform.processor() or platform.machine()}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| name | value | unit | baseline | baseline value | ratio | spread | goal | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        spread = row.get("spread")
        cells = [
            row["name"],
            row["value"],
            row["unit"],
            row["baseline_name"],
            row["baseline_value"],
            row["ratio"],
            f"{spread[0]}-{spread[1]} ({row['rounds']} rounds)" if spread else None,
            row["goal"],
            row["met"],
        ]
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)


def write_results(path: Path | None = None) -> Path:
    """Write every recorded figure to bench/results/latest.json and print the table."""
    target = path or RESULTS_DIR / "latest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "machine": machine(),
        "when": datetime.now().astimezone().isoformat(),
        "results": _results,
    }
    target.write_text(json.dumps(body, indent=2) + "\n")
    print(markdown_table(_results))
    return target


def free_port() -> int:
    """A free loopback port for a server the benchmark starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, seconds: float, what: str = "the server") -> None:
    """Wait until something listens on the loopback port; fail saying what was awaited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {seconds:.0f} s")


def scratch_name(label: str) -> str:
    """A name of this run alone, so two benchmark runs on one server never touch each
    other's database (nor, through the default channel prefix, each other's Redis groups)."""
    return f"collegia_bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """Create an empty PostgreSQL database named for this run on DATABASE_URL's server,
    yield its URL, and drop it afterwards."""
    import psycopg

    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(server)
    if not parts.scheme.startswith("postgres"):
        raise RuntimeError("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    name = scratch_name(label)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def issue_tokens(people: list[Any]) -> list[str]:
    """API tokens for many people in one statement, stored as the product stores them
    (django-rest-knox digests, with the configured lifetime); returns the tokens."""
    from django.utils import timezone
    from knox.models import AuthToken, get_digest_token
    from knox.settings import CONSTANTS, knox_settings

    expiry = timezone.now() + knox_settings.TOKEN_TTL if knox_settings.TOKEN_TTL else None
    rows, keys = [], []
    for person in people:
        digest, key = get_digest_token()
        rows.append(
            AuthToken(
                digest=digest,
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                user=person,
                expiry=expiry,
            )
        )
        keys.append(key)
    AuthToken.objects.bulk_create(rows)
    return keys


# Rounds: a ratio is the median of alternating rounds, so a drift of the machine's load
# hits the baseline and the product alike.


@dataclass
class Rounds:
    """The baseline's and the product's figure in each round, in the order measured."""

    baseline: list[float] = field(default_factory=list)
    product: list[float] = field(default_factory=list)

    def add(self, baseline: float, product: float) -> None:
        self.baseline.append(baseline)
        self.product.append(product)

    @property
    def ratios(self) -> list[float]:
        return [
            p / b if b else float("inf") for b, p in zip(self.baseline, self.product, strict=True)
        ]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.ratios), max(self.ratios)

    @property
    def median_baseline(self) -> float:
        return statistics.median(self.baseline)

    @property
    def median_product(self) -> float:
        return statistics.median(self.product)


def alternate(
    baseline: Callable[[int], float],
    product: Callable[[int], float],
    *,
    rounds: int = ROUNDS,
) -> Rounds:
    """Measure baseline, product, baseline, product, ... `rounds` times each; each
    callable gets the round's number and returns its figure."""
    if rounds < ROUNDS:
        raise ValueError(f"A ratio needs at least {ROUNDS} alternating rounds")
    measured = Rounds()
    for number in range(rounds):
        measured.add(baseline(number), product(number))
    return measured


def percentile(values: Sequence[float], share: float) -> float:
    """The value at `share` (0-1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# Deadlines: no phase waits for ever; each fails saying what it was waiting for.


class PhaseTimeout(RuntimeError):
    """A benchmark phase went past its deadline."""


def wait_until(
    condition: Callable[[], bool],
    *,
    seconds: float,
    what: str,
    progress: Callable[[], str] | None = None,
    interval: float = 0.05,
) -> None:
    """Poll `condition` until it holds; past `seconds`, fail naming what was awaited and,
    with `progress`, how far it got."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            got = f" ({progress()})" if progress else ""
            raise PhaseTimeout(f"Waited {seconds:.0f} s for {what}{got}")
        time.sleep(interval)


async def within[T](
    awaitable: Awaitable[T], *, seconds: float, what: str, progress: Callable[[], str] | None = None
) -> T:
    """Await with a deadline; past it, fail naming what was awaited."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        got = f" ({progress()})" if progress else ""
        raise PhaseTimeout(f"Waited {seconds:.0f} s for {what}{got}") from None


def run_child(module: str, *args: str, env: dict[str, str], timeout: float, what: str) -> Any:
    """Run `python -m <module> <args>` from the project root in its own process, and read
    the figures it prints as JSON on its last line. Past `timeout` seconds, or on failure,
    fail naming `what` was measured, with the end of its error output."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        tail = expired.stderr or b""
        text = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
        raise PhaseTimeout(
            f"Waited {timeout:.0f} s for the {what} benchmark; its last output:\n{text[-3000:]}"
        ) from None
    if completed.returncode != 0:
        raise RuntimeError(f"The {what} benchmark failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def production_env(
    *, database_url: str, prefix: str, settings: str = "config.settings", **extra: str
) -> dict[str, str]:
    """The environment of a server under test: production settings (debug off, Redis
    layer and cache, the product's logging at warnings), the run's scratch database and
    a channel-layer prefix of this run alone (the pub/sub layer ignores the Redis
    database number, so the prefix is what keeps two runs apart)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS,
        "CHANNEL_LAYER_PREFIX": prefix,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "AUDIT_KEY": "bench-1:" + "b" * 43,
        "AUDIT_KEY_FILE": "",
        "BALLOT_SEAL_KEY": "bench-only-ballot-seal-key-" + "z" * 40,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def prefix_of(database_url: str) -> str:
    """The channel-layer prefix of a run, named after its scratch database."""
    return database_url.rsplit("/", 1)[-1][-50:]


@contextmanager
def daphne_server(
    app: str, *, env: dict[str, str], log: Path, seconds: float = 60.0
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A real Daphne process on a free loopback port; its errors go to `log`."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"Daphne ({app}) exited at start:\n{log.read_text(errors='replace')[-3000:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise PhaseTimeout(
                        f"Waited {seconds:.0f} s for Daphne ({app}) to listen on {port}"
                    ) from None
                time.sleep(0.1)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def stop_process(process: Any, *, grace: float = 10) -> None:
    """Ask a server process the benchmark started to stop; kill it after `grace` seconds."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bench_cooperative(
    *,
    name: str,
    weights: Any,
    category: tuple[str, str],
    slug: str = "bench",
    chair_name: str = "",
) -> tuple[Any, Any, Any, list[Any]]:
    """In a child process with Django set up: migrate the scratch database and create a
    cooperative (its chair, its colleges with `weights` as (name, percent) pairs and one
    category (name, kind)) through the services. Returns (chair, cooperative, category,
    colleges in order)."""
    from decimal import Decimal

    from django.core.management import call_command

    from governance import services as governance
    from governance.models import Category, Person

    call_command("migrate", verbosity=0)
    chair = Person.objects.create_user("chair", password="x", display_name=chair_name)
    cooperative = governance.cooperative_create(
        actor=chair,
        name=name,
        slug=slug,
        legal_form="scic_sa",
        colleges=[governance.CollegeSpec(college, Decimal(w)) for college, w in weights],
    )
    made = Category.objects.create(cooperative=cooperative, name=category[0], kind=category[1])
    colleges = list(cooperative.colleges.order_by("position"))
    return chair, cooperative, made, colleges


def bench_members(
    cooperative: Any,
    category: Any,
    colleges: list[Any],
    people: list[Any],
    *,
    grant: bool = True,
    batch_size: int | None = None,
    shares: int = 0,
) -> list[Any]:
    """Make each of `people` (saved persons) an active natural member of the cooperative in
    bulk, the colleges taken in turn; with `grant`, give them the grant admission gives
    (see governance.person_access_sync), written in bulk too. Returns the member rows."""
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from governance.models import CooperativeUserPermission, Member, Membership

    now, today = timezone.now(), timezone.localdate()
    members = Member.objects.bulk_create(
        [
            Member(
                cooperative=cooperative,
                kind="natural",
                person=p,
                name=p.display_name or p.username,
            )
            for p in people
        ],
        batch_size=batch_size,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                member=m,
                cooperative=cooperative,
                category=category,
                college=colleges[i % len(colleges)],
                status="active",
                applied_at=now,
                started_on=today,
                shares=shares,
            )
            for i, m in enumerate(members)
        ],
        batch_size=batch_size,
    )
    if grant:
        participate = Permission.objects.get(codename="participate_in_cooperative")
        CooperativeUserPermission.objects.bulk_create(
            [
                CooperativeUserPermission(
                    permission=participate, user=p, content_object=cooperative
                )
                for p in people
            ],
            batch_size=batch_size,
        )
    return members
