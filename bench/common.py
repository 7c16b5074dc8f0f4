"""Shared helpers of the benchmarks: record figures and write bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"

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
