"""Casting ballots through the HTTP API on Daphne, beside a bare token-authenticated endpoint."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from bench.common import (
    PHASE_DEADLINE,
    ROOT,
    ROUNDS,
    Rounds,
    bench_cooperative,
    bench_members,
    daphne_server,
    issue_tokens,
    prefix_of,
    production_env,
    record,
    run_child,
    scratch_database,
    within,
)

SETTINGS = "bench.voting_cast_settings"
CONCURRENCY = 16
MEMBERS_FULL = 1000
MEMBERS_QUICK = 60
GOAL_RATIO = 0.6
# Longer than the production TURNOUT_PUSH_SECONDS (1), which the benchmark settings keep.
TURNOUT_PUSH_WAIT_SECONDS = 3
WEIGHTS = (("Couriers", 30), ("Customers", 25), ("Restaurants", 25), ("Local authorities", 20))


def setup(members: int, votes: int) -> dict[str, Any]:
    """Migrate the scratch database; make a cooperative with `members` members holding API
    tokens, a proposal and `votes` open votes on standalone polls and on proposals."""
    import django

    django.setup()
    from deliberation import services as deliberation
    from governance.models import Person
    from voting import services

    chair, cooperative, category, colleges = bench_cooperative(
        name="Bench delivery SCIC", weights=WEIGHTS, category=("Couriers", "employees")
    )
    people = Person.objects.bulk_create(
        [Person(username=f"member{i}", display_name=f"Member {i}") for i in range(members)]
    )
    bench_members(cooperative, category, colleges, people)
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


def run(quick: bool) -> None:
    members = MEMBERS_QUICK if quick else MEMBERS_FULL
    with scratch_database("voting_cast") as url:
        # Production settings (debug off, Redis layer and cache, the product's logging at
        # warnings, turnout pushes coalesced) with the bare endpoint's URLs.
        env = production_env(database_url=url, prefix=prefix_of(url), settings=SETTINGS)
        data = run_child(
            "bench.voting_cast",
            "setup",
            str(members),
            str(ROUNDS + 1),
            env=env,
            timeout=PHASE_DEADLINE,
            what="the casting benchmark's setup",
        )
        tokens: list[str] = data["tokens"]
        outcomes: dict[str, list[dict[str, Any]]] = {"poll": [], "proposal": []}
        rates = {"poll": Rounds(), "proposal": Rounds()}
        p99s = {"poll": Rounds(), "proposal": Rounds()}
        log = ROOT / "bench" / "results" / "voting_cast_daphne.log"
        log.unlink(missing_ok=True)
        with daphne_server("config.asgi:application", env=env, log=log) as (_process, port):
            base = f"http://127.0.0.1:{port}"

            def fire(path: str, batch: list[str], what: str) -> dict[str, Any]:
                return asyncio.run(
                    within(
                        _fire(base, path, batch, CONCURRENCY),
                        seconds=PHASE_DEADLINE,
                        what=f"{len(batch)} casts ({what}) on {base}",
                    )
                )

            # Warm-up: one vote of each kind and the bare endpoint, a few requests each.
            warm = tokens[: CONCURRENCY * 2]
            fire("/bench/bare/", warm, "warm-up, bare")
            for kind in ("poll", "proposal"):
                vote_id = data["votes"][kind][ROUNDS]
                fire(f"/api/v1/votes/{vote_id}/ballots/", warm, f"warm-up, {kind}")
            # Alternating rounds: bare, poll, bare, proposal; each product round is
            # compared with the bare round just before it.
            for index in range(ROUNDS):
                for kind in ("poll", "proposal"):
                    bare = fire("/bench/bare/", tokens, f"round {index + 1}, bare")
                    vote_id = data["votes"][kind][index]
                    cast = fire(
                        f"/api/v1/votes/{vote_id}/ballots/", tokens, f"round {index + 1}, {kind}"
                    )
                    outcomes[kind].append(cast)
                    rates[kind].add(bare["rate"], cast["rate"])
                    p99s[kind].add(bare["p99"] * 1000, cast["p99"] * 1000)
            # The last turnout push of each vote is due a delay after its last ballot.
            time.sleep(TURNOUT_PUSH_WAIT_SECONDS)
        stored = run_child(
            "bench.voting_cast",
            "count",
            *(str(v) for k in ("poll", "proposal") for v in data["votes"][k][:ROUNDS]),
            env=env,
            timeout=PHASE_DEADLINE,
            what="the count of stored ballots",
        )
    for kind in ("poll", "proposal"):
        for outcome in outcomes[kind]:
            if outcome["statuses"] != {201: members}:
                raise RuntimeError(f"Some casts failed: {outcome['statuses']}")
    if stored["ballots"] != 2 * ROUNDS * members:
        raise RuntimeError(f"{stored['ballots']} ballots stored for {2 * ROUNDS * members} casts")
    if set(stored["pushed_turnout"].values()) != {members}:
        raise RuntimeError(
            f"The rooms were last told of other turnouts: {stored['pushed_turnout']}"
        )

    size = f"{members} members, {CONCURRENCY} concurrent clients, production settings + Redis"
    for kind, label in (
        ("proposal", "vote on a proposal, turnout pushed to its room at most once a second"),
        ("poll", "standalone poll"),
    ):
        measured = rates[kind]
        record(
            f"voting_cast_throughput ({label}; {size})",
            round(measured.median_product, 1),
            "casts/s",
            baseline_name="bare token-authenticated DRF POST, same server, alternating rounds",
            baseline_value=round(measured.median_baseline, 1),
            goal=f"ratio >= {GOAL_RATIO}",
            met=None if quick else measured.median_ratio >= GOAL_RATIO,
            rounds=measured,
        )
        record(
            f"voting_cast_latency_p99 ({label})",
            round(p99s[kind].median_product, 1),
            "ms",
            baseline_name="bare endpoint p99, alternating rounds",
            baseline_value=round(p99s[kind].median_baseline, 1),
            rounds=p99s[kind],
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
