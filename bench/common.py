"""Shared helpers of the benchmarks: record figures and write bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULTS_DIR = Path(__file__).resolve().parent / "results"
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
) -> dict[str, Any]:
    """Append one figure; the ratio is computed when a baseline is given."""
    ratio = None
    if baseline_value:
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
    _results.append(row)
    return row


def results() -> list[dict[str, Any]]:
    return list(_results)


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
        "| name | value | unit | baseline | baseline value | ratio | goal | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row[k]
            for k in (
                "name",
                "value",
                "unit",
                "baseline_name",
                "baseline_value",
                "ratio",
                "goal",
                "met",
            )
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


def run_child(
    module: str, *args: str, env: dict[str, str], timeout: float, what: str
) -> dict[str, Any]:
    """Run `python -m <module> <args>` from the project root in its own process, and read
    the figures it prints as JSON on its last line; fail with the end of its error output,
    naming `what` was measured, when it fails."""
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"The {what} benchmark failed:\n{completed.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


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
    *, name: str, weights: Any, category: tuple[str, str]
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
    chair = Person.objects.create_user("chair", password="x")
    cooperative = governance.cooperative_create(
        actor=chair,
        name=name,
        slug="bench",
        legal_form="scic_sa",
        colleges=[governance.CollegeSpec(college, Decimal(w)) for college, w in weights],
    )
    made = Category.objects.create(cooperative=cooperative, name=category[0], kind=category[1])
    colleges = list(cooperative.colleges.order_by("position"))
    return chair, cooperative, made, colleges
