"""Pages, lists and the opening of a vote at 1k, 10k and 100k members.

Each size is a cooperative of its own in one scratch PostgreSQL database named for this
run, seeded with set-based SQL (100,000 members take seconds). For every size the child
times, in-process through Django's test client, the paths that used to grow with the
cooperative:

- opening a vote (the roll frozen), against a bare `INSERT ... SELECT` of the same rows
  (both rolled back, so every round sees the same database);
- page 1 of the members, memberships, roll, comments, open ballots and proposals APIs,
  and of an assembly's convocations, attendance and postal ballots (every member has
  one of each);
- the booth, as a member;
- the proposal page with N/10 comments;
- the cooperative's page, and the board's page of its members;
- an assembly's convocations page, its page searching a proxy holder, and the desk
  searching a member (the desk also shows the live quorum, from the call's kept counts).

Rounds alternate (baseline, product, ... or small, large, ...) and each figure is the
median of its rounds; the spread of the per-round ratios is reported. Every answer's
statement count and size is recorded beside its time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Rounds, alternate, record, run_child, scratch_database

ROOT = Path(__file__).resolve().parent.parent
SIZES_FULL = (1_000, 10_000, 100_000)
SIZES_QUICK = (1_000, 5_000)
ROUNDS = 3
REQUESTS_PER_ROUND = 5
OPEN_ROUNDS = 3
DEADLINE_SECONDS = 1800
COLLEGES = (("Couriers", 30), ("Customers", 25), ("Restaurants", 25), ("Authorities", 20))
PAGE_GOAL = 1.5
OPEN_GOAL = 3.0
# Each timed path: who asks (the member who views, or the chair) and its address.
PATHS = {
    "members_api": ("viewer", "/api/v1/cooperatives/{slug}/members/"),
    "booth": ("viewer", "/votes/{vote}/"),
    "proposal": ("viewer", "/proposals/{proposal}/"),
    "cooperative": ("viewer", "/c/{slug}/"),
    "roll_api": ("viewer", "/api/v1/votes/{vote}/roll/"),
    "comments_api": ("viewer", "/api/v1/proposals/{proposal}/comments/"),
    "memberships_api": ("chair", "/api/v1/cooperatives/{slug}/memberships/"),
    "board_members": ("chair", "/c/{slug}/board/members/?status=active"),
    "ballots_api": ("chair", "/api/v1/votes/{vote}/ballots/"),
    "proposals_api": ("viewer", "/api/v1/cooperatives/{slug}/proposals/"),
    "convocations_api": ("chair", "/api/v1/assemblies/{assembly}/convocations/"),
    "attendance_api": ("chair", "/api/v1/assemblies/{assembly}/attendance/"),
    "postal_votes_api": ("chair", "/api/v1/assemblies/{assembly}/postal-votes/"),
    "convocations_page": ("chair", "/assemblies/{assembly}/convocations/"),
    "holder_search": ("viewer", "/assemblies/{assembly}/?holder=Member+00000"),
    "desk_search": ("chair", "/assemblies/{assembly}/desk/?q=Member+00000"),
}
LABELS = {
    "members_api": "members API, page 1",
    "booth": "booth page, as a member",
    "proposal": "proposal page with N/10 comments",
    "cooperative": "cooperative page, as a member",
    "roll_api": "vote's roll API, page 1",
    "comments_api": "comments API with N/10 comments, page 1",
    "memberships_api": "memberships API as the board, page 1",
    "board_members": "board's members page, active tab",
    "ballots_api": "open ballots API of the vote, page 1",
    "proposals_api": "proposals API with N/10 comments, page 1",
    "convocations_api": "assembly's convocations API, page 1",
    "attendance_api": "assembly's attendance API, page 1",
    "postal_votes_api": "assembly's postal ballots API as the board, page 1",
    "convocations_page": "assembly's convocations page",
    "holder_search": "assembly page searching a proxy holder, as a member",
    "desk_search": "desk searching a member (with the live quorum, kept)",
}


def _seed(size: int) -> dict[str, Any]:
    """One cooperative of `size` active members (a natural person who views the pages, the
    rest legal persons), an open vote, and a proposal with size/10 comments."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from assemblies import services as assemblies
    from deliberation import services as deliberation
    from governance import services as governance
    from governance.models import Category, Member, Membership, Person
    from governance.services import person_access_sync
    from voting import services as voting

    slug = f"scale-{size}"
    chair = Person.objects.create_user(f"chair{size}", password="x")
    cooperative = governance.cooperative_create(
        actor=chair,
        name=f"Scale {size}",
        slug=slug,
        legal_form="scic_sa",
        colleges=[governance.CollegeSpec(name, Decimal(w)) for name, w in COLLEGES],
    )
    category = Category.objects.create(cooperative=cooperative, name="Partners", kind="supporters")
    colleges = list(cooperative.colleges.order_by("position"))
    viewer = Person.objects.create_user(f"viewer{size}", password="x")
    member = Member.objects.create(
        cooperative=cooperative, kind="natural", person=viewer, name=f"Viewer {size}"
    )
    Membership.objects.create(
        member=member,
        cooperative=cooperative,
        category=category,
        college=colleges[0],
        status="active",
        applied_at=timezone.now(),
        started_on=timezone.localdate(),
        shares=1,
    )
    person_access_sync(cooperative=cooperative, person=viewer)
    assembly, resolution = _assembly(chair, cooperative)
    started = time.perf_counter()
    college_ids = [c.pk for c in colleges]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO governance_member (cooperative_id, kind, name, organisation_type,"
            " created_at) SELECT %s, 'legal', 'Member ' || lpad(g::text, 7, '0'),"
            " 'association', now() FROM generate_series(1, %s) g",
            [cooperative.pk, size - 1],
        )
        cursor.execute(
            "INSERT INTO governance_membership (member_id, cooperative_id, category_id,"
            " college_id, status, applied_at, started_on, end_reason, shares)"
            " SELECT m.id, m.cooperative_id, %s, (%s::bigint[])[1 + m.id %% %s], 'active',"
            " now(), current_date, '', 1 FROM governance_member m"
            " WHERE m.cooperative_id = %s AND m.kind = 'legal'",
            [category.pk, college_ids, len(college_ids), cooperative.pk],
        )
    with transaction.atomic():
        vote = voting.vote_create(
            actor=chair,
            cooperative=cooperative,
            method="resolution",
            title="Scale resolution",
            decision_kind="advisory",
        )
        vote = voting.vote_open(actor=chair, vote=vote)
        proposal = deliberation.proposal_create(
            actor=chair,
            cooperative=cooperative,
            title="Scale proposal",
            body="<p>A proposal with a long debate.</p>",
            decision_kind="ordinary",
            visibility="members",
        )
        proposal = deliberation.proposal_publish(actor=chair, proposal=proposal)
    comments = size // 10
    roots = comments - comments // 3
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO deliberation_comment (proposal_id, author_id, depth, body, stance,"
            " created_at, hidden_reason) SELECT %s, %s, 0,"
            " '<p>Comment ' || g || ' on the proposal, with a few words of argument.</p>',"
            " '', now(), '' FROM generate_series(1, %s) g",
            [proposal.pk, viewer.pk, roots],
        )
        cursor.execute(
            "INSERT INTO deliberation_comment (proposal_id, author_id, parent_id, depth, body,"
            " stance, created_at, hidden_reason) SELECT proposal_id, author_id, id, 1,"
            " '<p>A reply.</p>', '', now(), '' FROM deliberation_comment"
            " WHERE proposal_id = %s AND parent_id IS NULL ORDER BY id LIMIT %s",
            [proposal.pk, comments - roots],
        )
    deliberation.comment_counts_refresh(proposal_ids=[proposal.pk])
    _crowd(size, vote, assembly, resolution, viewer)
    # What autovacuum gives a live database: statistics and the visibility map.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # The counts the pages read, kept by the services, counted again after the rows
    # written by SQL (with statistics: the planner hashes the roll's joins).
    assemblies.convocation_counts_refresh(
        call_ids=list(assembly.calls.values_list("pk", flat=True))
    )
    assemblies.call_attendance_recount(call=assembly.calls.get(number=1))
    return {
        "size": size,
        "slug": slug,
        "chair": chair.pk,
        "viewer": viewer.pk,
        "vote": vote.pk,
        "proposal": proposal.pk,
        "assembly": assembly.pk,
        "comments": comments,
        "seed_seconds": time.perf_counter() - started,
    }


def _assembly(chair: Any, cooperative: Any) -> tuple[Any, Any]:
    """A convened assembly with one resolution, made while the viewer is the only member:
    the crowd's convocations, attendance and postal ballots are written by SQL after."""
    import datetime as dt

    from django.utils import timezone

    from assemblies import services as assemblies

    first_call = timezone.now() + dt.timedelta(days=1)
    assembly = assemblies.assembly_create(
        actor=chair,
        cooperative=cooperative,
        kind="ordinary",
        title="Scale assembly",
        first_call_at=first_call,
        place="Lyon",
        now=first_call - dt.timedelta(days=40),
    )
    item = assemblies.agenda_item_add(
        actor=chair, assembly=assembly, kind="resolution", title="Accounts", text="<p>Ok.</p>"
    )
    assembly = assemblies.assembly_convene(
        actor=chair, assembly=assembly, now=first_call - dt.timedelta(days=30)
    )
    return assembly, item.resolutions.get()


def _crowd(size: int, vote: Any, assembly: Any, resolution: Any, viewer: Any) -> None:
    """Every member has a ballot on the open vote (shown live), a convocation, an
    attendance and a postal ballot: the lists of ballots and of the assembly at full size."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE voting_vote SET results_live = true WHERE id = %s", [vote.pk])
        cursor.execute(
            "INSERT INTO voting_ballot (vote_id, roll_entry_id, vote_college_id, choice,"
            " cast_by_id, is_current, created_at) SELECT r.vote_id, r.id, r.vote_college_id,"
            " '\"for\"'::jsonb, %s, true, now() FROM voting_rollentry r WHERE r.vote_id = %s",
            [viewer.pk, vote.pk],
        )
        cursor.execute(
            "UPDATE voting_rollentry SET has_voted = true, voted_at = now() WHERE vote_id = %s",
            [vote.pk],
        )
        members = "SELECT id FROM governance_member WHERE cooperative_id = %s AND kind = 'legal'"
        cursor.execute(
            "INSERT INTO assemblies_convocation (call_id, member_id, person_id, channel,"
            " address, status, created_at, error) SELECT c.id, m.id, %s, 'in_app', '',"
            f" 'queued', now(), '' FROM assemblies_assemblycall c, ({members}) m"
            " WHERE c.assembly_id = %s",
            [viewer.pk, vote.cooperative_id, assembly.pk],
        )
        cursor.execute(
            "INSERT INTO assemblies_attendance (call_id, member_id, mode, person_id,"
            " checked_in_by_id, checked_in_at) SELECT c.id, m.id, 'present', %s, %s, now()"
            f" FROM assemblies_assemblycall c, ({members}) m"
            " WHERE c.assembly_id = %s AND c.number = 1",
            [viewer.pk, viewer.pk, vote.cooperative_id, assembly.pk],
        )
        cursor.execute(
            "INSERT INTO assemblies_postalvote (resolution_id, assembly_id, member_id, choice,"
            " submitted_by_id, on_paper, received_at, is_sealed, count_error)"
            f" SELECT %s, %s, m.id, 'for', %s, false, now(), false, '' FROM ({members}) m",
            [resolution.pk, assembly.pk, viewer.pk, vote.cooperative_id],
        )


def _measure_request(client: Any, url: str) -> tuple[float, int, int]:
    """One GET: seconds, statements, bytes (the statements counted on a separate call)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # The request resets the connection's query log when it starts: start from empty so
    # that the count taken across it is the request's own.
    reset_queries()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    # Read now: the captured list is a view on the connection's log, which the next
    # request clears.
    statements = len(context.captured_queries)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(REQUESTS_PER_ROUND):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), statements, len(response.content)


class _Rollback(Exception):
    pass


def _open_once(seed: dict[str, Any]) -> tuple[float, int]:
    """Create and open a vote on the whole roll, then roll it all back: seconds to open."""
    from django.db import transaction

    from governance.models import Cooperative, Person
    from voting import services as voting
    from voting.models import RollEntry

    chair = Person.objects.get(pk=seed["chair"])
    cooperative = Cooperative.objects.get(slug=seed["slug"])
    elapsed, rows = 0.0, 0
    try:
        with transaction.atomic():
            vote = voting.vote_create(
                actor=chair,
                cooperative=cooperative,
                method="resolution",
                title="Timed resolution",
                decision_kind="advisory",
            )
            started = time.perf_counter()
            voting.vote_open(actor=chair, vote=vote)
            elapsed = time.perf_counter() - started
            rows = RollEntry.objects.filter(vote=vote).count()
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, rows


def _bare_insert_once(seed: dict[str, Any]) -> tuple[float, int]:
    """The floor: the same roll rows written by one bare INSERT ... SELECT for a draft vote
    whose colleges exist, then rolled back."""
    from django.db import connection, transaction

    from governance.models import Cooperative, Person
    from voting.models import Vote, VoteCollege

    chair = Person.objects.get(pk=seed["chair"])
    cooperative = Cooperative.objects.get(slug=seed["slug"])
    elapsed, rows = 0.0, 0
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                cooperative=cooperative,
                title="Floor",
                method="resolution",
                decision_kind="advisory",
                created_by=chair,
            )
            frozen = [
                VoteCollege(
                    vote=vote, college=c, key=f"c{c.pk}", name=c.name, weight="1/4", eligible=0
                )
                for c in cooperative.colleges.all()
            ]
            VoteCollege.objects.bulk_create(frozen)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO voting_rollentry (vote_id, membership_id, member_id,"
                    " vote_college_id, college_weight, has_voted, voted_at, voted_via_proxy,"
                    " sealed_ballot, tracker) SELECT %s, m.id, m.member_id, vc.id, vc.weight,"
                    " false, NULL, false, NULL, '' FROM governance_membership m"
                    " JOIN voting_votecollege vc ON vc.vote_id = %s"
                    " AND vc.college_id = m.college_id"
                    " WHERE m.cooperative_id = %s AND m.status = 'active'",
                    [vote.pk, vote.pk, cooperative.pk],
                )
                rows = cursor.rowcount
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, rows


def child(sizes: list[int]) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.models import Person

    call_command("migrate", verbosity=0)
    seeds = [_seed(size) for size in sizes]
    out: dict[str, Any] = {"sizes": sizes, "seed_seconds": {}, "paths": {}, "open": {}}
    clients: dict[tuple[str, int], Any] = {}
    urls: dict[str, dict[int, tuple[str, str]]] = {path: {} for path in PATHS}
    for seed in seeds:
        size = seed["size"]
        out["seed_seconds"][size] = round(seed["seed_seconds"], 2)
        for who in ("viewer", "chair"):
            client = Client()
            client.force_login(Person.objects.get(pk=seed[who]))
            clients[who, size] = client
        for path, (who, pattern) in PATHS.items():
            urls[path][size] = (who, pattern.format(**seed))
    for path, by_size in urls.items():
        rounds: dict[int, list[float]] = {size: [] for size in sizes}
        facts: dict[int, tuple[int, int]] = {}
        for _round in range(ROUNDS):
            for size in sizes:  # alternate the sizes inside each round
                who, url = by_size[size]
                seconds, statements, length = _measure_request(clients[who, size], url)
                rounds[size].append(seconds)
                facts[size] = (statements, length)
        out["paths"][path] = {
            size: {
                "seconds": statistics.median(rounds[size]),
                "rounds": rounds[size],
                "statements": facts[size][0],
                "bytes": facts[size][1],
            }
            for size in sizes
        }
    for seed in seeds:
        statements = 0

        def floor(_number: int, seed: dict[str, Any] = seed) -> float:
            seconds, rows = _bare_insert_once(seed)
            assert rows == seed["size"], (rows, seed["size"])
            return seconds

        def product(_number: int, seed: dict[str, Any] = seed) -> float:
            nonlocal statements
            reset_queries()
            with CaptureQueriesContext(connection) as context:
                seconds, rows = _open_once(seed)
            assert rows == seed["size"], (rows, seed["size"])
            statements = len(context.captured_queries)
            return seconds

        _open_once(seed)  # warm-up: plans and pages cached
        _bare_insert_once(seed)
        rounds = alternate(floor, product, rounds=OPEN_ROUNDS)
        out["open"][seed["size"]] = {
            "floor": rounds.baseline,
            "product": rounds.product,
            "statements": statements,
        }
    return out


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def run(quick: bool) -> None:
    sizes = list(SIZES_QUICK if quick else SIZES_FULL)
    with scratch_database("scale") as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
        figures = run_child(
            "bench.scale",
            "child",
            *map(str, sizes),
            env=env,
            timeout=DEADLINE_SECONDS,
            what=f"scale ({sizes} members)",
        )
    small, large = str(sizes[0]), str(sizes[-1])
    for path, label in LABELS.items():
        by_size = figures["paths"][path]
        for size in sizes:
            row = by_size[str(size)]
            record(
                f"scale {label} at {size:,} members ({row['statements']} statements, "
                f"{row['bytes'] / 1024:.1f} KiB; context)",
                round(row["seconds"], 4),
                "s",
            )
        rounds = Rounds(baseline=by_size[small]["rounds"], product=by_size[large]["rounds"])
        record(
            f"scale {label}: {int(large):,} against {int(small):,} members "
            f"(per-round ratios {_spread(rounds.ratios)})",
            round(by_size[large]["seconds"], 4),
            "s",
            baseline_name=f"same path at {int(small):,} members",
            baseline_value=round(by_size[small]["seconds"], 4),
            goal=f"ratio <= {PAGE_GOAL}",
            met=rounds.median_ratio <= PAGE_GOAL,
            rounds=rounds,
        )
    for size in sizes:
        row = figures["open"][str(size)]
        rounds = Rounds(baseline=row["floor"], product=row["product"])
        record(
            f"scale open a vote at {size:,} members ({row['statements']} statements; "
            f"per-round ratios {_spread(rounds.ratios)})",
            round(rounds.median_product, 4),
            "s",
            baseline_name="bare INSERT ... SELECT of the same roll rows",
            baseline_value=round(rounds.median_baseline, 4),
            goal=f"ratio <= {OPEN_GOAL}" if size == sizes[-1] else None,
            met=rounds.median_ratio <= OPEN_GOAL if size == sizes[-1] else None,
            rounds=rounds,
        )
    for size in sizes:
        record(
            f"scale seeding {size:,} members and {size // 10:,} comments by SQL (context)",
            figures["seed_seconds"][str(size)],
            "s",
        )


if __name__ == "__main__":
    from bench.common import child_or_run

    child_or_run(
        sys.argv[1:], prog="python -m bench.scale", child=lambda *sizes: child(list(sizes)), run=run
    )
