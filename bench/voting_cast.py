"""Casting ballots through the HTTP API on Daphne, beside a bare token-authenticated endpoint."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import (
    bench_cooperative,
    free_port,
    issue_tokens,
    record,
    run_child,
    scratch_database,
    stop_process,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.voting_cast_settings"
CONCURRENCY = 16
MEMBERS_FULL, ROUNDS_FULL = 1000, 3
MEMBERS_QUICK, ROUNDS_QUICK = 150, 1
# Longer than the production TURNOUT_PUSH_SECONDS (1), which the benchmark settings keep.
TURNOUT_PUSH_WAIT_SECONDS = 3
WEIGHTS = (("Couriers", 30), ("Customers", 25), ("Restaurants", 25), ("Local authorities", 20))


def setup(members: int, votes: int) -> dict[str, Any]:
    """Migrate the scratch database; make a cooperative with `members` members holding API
    tokens, a proposal and `votes` open votes on standalone polls and on proposals."""
    import django

    django.setup()

    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from deliberation import services as deliberation
    from governance.models import (
        CooperativeUserPermission,
        Member,
        Membership,
        Person,
    )
    from voting import services

    chair, cooperative, category, colleges = bench_cooperative(
        name="Bench delivery SCIC", weights=WEIGHTS, category=("Couriers", "employees")
    )
    people = Person.objects.bulk_create(
        [Person(username=f"member{i}", display_name=f"Member {i}") for i in range(members)]
    )
    now, today = timezone.now(), timezone.localdate()
    member_rows = Member.objects.bulk_create(
        [
            Member(cooperative=cooperative, kind="natural", person=p, name=p.display_name)
            for p in people
        ]
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
            )
            for i, m in enumerate(member_rows)
        ]
    )
    # The grant that admission gives, written in bulk (see governance.person_access_sync).
    participate = Permission.objects.get(codename="participate_in_cooperative")
    CooperativeUserPermission.objects.bulk_create(
        [
            CooperativeUserPermission(permission=participate, user=p, content_object=cooperative)
            for p in people
        ]
    )
    tokens = issue_tokens(people)
    vote_ids: dict[str, list[int]] = {"poll": [], "proposal": []}
    for kind in vote_ids:
        for index in range(votes):
            proposal = None
            if kind == "proposal":
                proposal = deliberation.proposal_create(
                    actor=chair,
                    cooperative=cooperative,
                    title=f"Pay rise {index}",
                    body="<p>Raise the pay per delivery.</p>",
                )
                proposal = deliberation.proposal_publish(actor=chair, proposal=proposal)
            vote = services.vote_create(
                actor=chair,
                cooperative=cooperative,
                method="resolution",
                title=f"Resolution {index}",
                decision_kind="ordinary",
                proposal=proposal,
            )
            vote_ids[kind].append(services.vote_open(actor=chair, vote=vote).pk)
    return {"tokens": tokens, "votes": vote_ids}


def count(vote_ids: list[int]) -> dict[str, Any]:
    """Ballots stored on these votes, to check that every 201 left one, and the turnout
    last pushed to each proposal's room, to check that the pushes kept up."""
    import django

    django.setup()
    from deliberation.models import RoomEvent
    from voting.models import Ballot, Vote

    pushed: dict[int, int] = {}
    for vote in Vote.objects.filter(pk__in=vote_ids, proposal__isnull=False):
        last = (
            RoomEvent.objects.filter(proposal_id=vote.proposal_id, type="vote.turnout")
            .order_by("-seq")
            .values_list("data", flat=True)
            .first()
        )
        pushed[vote.pk] = int(last["voted"]) if last else 0
    return {
        "ballots": Ballot.objects.filter(vote_id__in=vote_ids, is_current=True).count(),
        "pushed_turnout": pushed,
    }


async def _fire(base: str, path: str, tokens: list[str], concurrency: int) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                token = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(
                    path, json={"choice": "for"}, headers={"Authorization": f"Token {token}"}
                )
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(tokens) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "statuses": statuses,
    }


@contextmanager
def daphne(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    log = ROOT / "bench" / "results" / "voting_cast_daphne.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        wait_for_port(port, 30, "Daphne")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def _child(env: dict[str, str], *args: str) -> Any:
    return run_child("bench.voting_cast", *args, env=env, timeout=1800, what="casting")


def run(quick: bool) -> None:
    members = MEMBERS_QUICK if quick else MEMBERS_FULL
    rounds = ROUNDS_QUICK if quick else ROUNDS_FULL
    with scratch_database("voting_cast") as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "REDIS_URL": "",
        }
        data = _child(env, "setup", str(members), str(rounds + 1))
        tokens: list[str] = data["tokens"]
        figures: dict[str, list[dict[str, Any]]] = {"bare": [], "poll": [], "proposal": []}
        with daphne(env) as base:
            # Warm-up: one vote of each kind and the bare endpoint, a few requests each.
            warm = tokens[: CONCURRENCY * 2]
            asyncio.run(_fire(base, "/bench/bare/", warm, CONCURRENCY))
            for kind in ("poll", "proposal"):
                vote_id = data["votes"][kind][rounds]
                asyncio.run(_fire(base, f"/api/v1/votes/{vote_id}/ballots/", warm, CONCURRENCY))
            for index in range(rounds):
                figures["bare"].append(
                    asyncio.run(_fire(base, "/bench/bare/", tokens, CONCURRENCY))
                )
                for kind in ("poll", "proposal"):
                    vote_id = data["votes"][kind][index]
                    figures[kind].append(
                        asyncio.run(
                            _fire(base, f"/api/v1/votes/{vote_id}/ballots/", tokens, CONCURRENCY)
                        )
                    )
            # The last turnout push of each vote is due a delay after its last ballot.
            time.sleep(TURNOUT_PUSH_WAIT_SECONDS)
        stored = _child(
            env, "count", *(str(v) for k in ("poll", "proposal") for v in data["votes"][k][:rounds])
        )
    for kind in ("poll", "proposal"):
        for outcome in figures[kind]:
            if outcome["statuses"] != {201: members}:
                raise RuntimeError(f"Some casts failed: {outcome['statuses']}")
    if stored["ballots"] != 2 * rounds * members:
        raise RuntimeError(f"{stored['ballots']} ballots stored for {2 * rounds * members} casts")
    if set(stored["pushed_turnout"].values()) != {members}:
        raise RuntimeError(
            f"The rooms were last told of other turnouts: {stored['pushed_turnout']}"
        )

    def median(kind: str, key: str) -> float:
        return statistics.median(outcome[key] for outcome in figures[kind])

    bare = median("bare", "rate")
    size = f"{members} members x {rounds} rounds, {CONCURRENCY} concurrent clients"
    for kind, label in (
        ("proposal", "vote on a proposal, turnout pushed to its room at most once a second"),
        ("poll", "standalone poll"),
    ):
        rate = median(kind, "rate")
        record(
            f"voting_cast_throughput ({label}; {size})",
            round(rate, 1),
            "casts/s",
            baseline_name="bare token-authenticated DRF POST, same server",
            baseline_value=round(bare, 1),
            goal="ratio >= 0.5",
            met=rate / bare >= 0.5,
        )
        record(
            f"voting_cast_latency_p99 ({label})",
            round(median(kind, "p99") * 1000, 1),
            "ms",
            baseline_name="bare endpoint p99",
            baseline_value=round(median("bare", "p99") * 1000, 1),
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.voting_cast")
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup")
    setup_parser.add_argument("members", type=int)
    setup_parser.add_argument("votes", type=int)
    count_parser = commands.add_parser("count")
    count_parser.add_argument("vote_ids", type=int, nargs="+")
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "setup":
        print(json.dumps(setup(args.members, args.votes)))
    elif args.command == "count":
        print(json.dumps(count(args.vote_ids)))
    else:
        from bench.common import write_results

        run(quick=args.quick)
        write_results()


if __name__ == "__main__":
    main(sys.argv[1:])
