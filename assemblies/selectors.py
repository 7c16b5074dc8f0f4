"""Reads of assemblies: live attendance and quorum per call, agendas, proxies, proof lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyCall,
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    AttendanceMode,
    CallAttendanceCount,
    Candidate,
    Convocation,
    ConvocationCount,
    PostalVote,
    Resolution,
)
from core.percent import percent_str
from governance.acting import (
    active_acting_members_params,
    active_acting_members_sql,
    active_acting_person_params,
)
from governance.models import Cooperative, Membership, MembershipStatus
from governance.permissions import CooperativeRole, Viewer
from governance.selectors import (
    college_config_current,
    college_weights,
    decision_rules,
    members_acting_person,
    rules_current,
)
from voting import tally
from voting.models import Vote, VoteCollege

SINGLE_COLLEGE_KEY = "all"


@dataclass(frozen=True)
class RollCollege:
    key: str
    name: str
    weight: Fraction
    college_id: int | None


def roll_colleges(cooperative: Cooperative) -> list[RollCollege]:
    """The colleges of an assembly's roll: the current ones with their weights, or one
    college of all members when the cooperative weighs none."""
    config = college_config_current(cooperative)
    weights = college_weights(config)
    if not weights:
        return [
            RollCollege(
                key=SINGLE_COLLEGE_KEY, name=_("All members"), weight=Fraction(1), college_id=None
            )
        ]
    assert config is not None
    return [
        RollCollege(
            key=f"c{w.college_id}",
            name=w.college.name,
            weight=weights[w.college_id],
            college_id=w.college_id,
        )
        for w in config.weights.all()
    ]


def voting_memberships(
    cooperative: Cooperative, colleges: list[RollCollege]
) -> QuerySet[Membership]:
    """The memberships that give a vote in an assembly: active, in one of the roll's
    `colleges` (members outside them cannot vote). Filter it to the members wanted, or
    use it as a subquery: the cooperative may hold more members than a query can list."""
    memberships = Membership.objects.filter(cooperative=cooperative, status=MembershipStatus.ACTIVE)
    weighted = [c.college_id for c in colleges if c.college_id is not None]
    if weighted:
        memberships = memberships.filter(college_id__in=weighted)
    return memberships


def college_keys(
    cooperative: Cooperative, member_ids: Iterable[int], colleges: list[RollCollege] | None = None
) -> dict[int, str]:
    """The roll's college key of each of `member_ids` who has a vote in an assembly of the
    cooperative; those without a vote are left out. Reads those members only: the whole
    roll is only ever counted, by the database (`call_attendance`)."""
    colleges = roll_colleges(cooperative) if colleges is None else colleges
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = voting_memberships(cooperative, colleges).filter(member_id__in=ids)
    key_of = _college_key(colleges)
    return {m: key_of(college) for m, college in rows.values_list("member_id", "college_id")}


def _college_key(colleges: list[RollCollege]) -> Callable[[int], str]:
    """The roll's key of a voting membership's college (`voting_memberships` keeps only
    the roll's colleges): the single college's for every one when none is weighed."""
    by_college = {c.college_id: c.key for c in colleges}
    single = by_college.get(None)
    return lambda college_id: single or by_college[college_id]


@dataclass(frozen=True)
class CollegeAttendance:
    key: str
    name: str
    weight: Fraction
    eligible: int
    present: int
    remote: int
    represented: int
    postal: int

    @property
    def attending(self) -> int:
        return self.present + self.remote + self.represented + self.postal


@dataclass(frozen=True)
class AttendanceCount:
    """Who counts for the quorum of one call, with the three ways of taking part (and the
    postal ballots, counted as present) kept apart, and the quorum in the rules' mode."""

    call: int
    colleges: list[CollegeAttendance]
    quorum_mode: str
    quorum_required: Fraction | None
    quorum_ratio: Fraction
    quorum_reached: bool
    lowest_college: str | None
    # Who takes part in each way: read only when asked (`call_attendance`'s `with_members`).
    present_ids: frozenset[int] = field(default_factory=frozenset)
    remote_ids: frozenset[int] = field(default_factory=frozenset)
    represented_ids: frozenset[int] = field(default_factory=frozenset)
    postal_ids: frozenset[int] = field(default_factory=frozenset)
    # How many take part in each way per (college key, part), as counted (no zeros).
    parts: Parts = field(default_factory=dict, compare=False)

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.colleges)

    @property
    def attending_ids(self) -> frozenset[int]:
        return self.present_ids | self.remote_ids

    def as_dict(self) -> dict[str, Any]:
        """The stored and published form: counts only, never names."""
        return {
            "call": self.call,
            "eligible": self.total("eligible"),
            "present": self.total("present"),
            "remote": self.total("remote"),
            "represented": self.total("represented"),
            "postal": self.total("postal"),
            "attending": self.total("attending"),
            "colleges": [
                {
                    "key": c.key,
                    "name": c.name,
                    "weight": tally.fraction_str(c.weight),
                    "eligible": c.eligible,
                    "present": c.present,
                    "remote": c.remote,
                    "represented": c.represented,
                    "postal": c.postal,
                    "attending": c.attending,
                }
                for c in self.colleges
            ],
            "quorum": {
                "mode": self.quorum_mode,
                "required": (
                    None
                    if self.quorum_required is None
                    else tally.fraction_str(self.quorum_required)
                ),
                "ratio": tally.fraction_str(self.quorum_ratio),
                "ratio_pct": percent_str(self.quorum_ratio),
                "reached": self.quorum_reached,
                "lowest_college_name": self.lowest_college,
            },
        }


def assembly_rules(assembly: Assembly) -> Any:
    """The decision rules of the assembly's kind: as convened, or current for a draft."""
    version = assembly.rules_version or rules_current(assembly.cooperative)
    return decision_rules(version, assembly.kind)


def call_quorum_required(assembly: Assembly, call: int) -> Fraction | None:
    """The quorum of one call of the assembly, as its rules state it (quorum_for_call)."""
    return assembly_rules(assembly).quorum_for_call(call)


# How a member with a vote takes part in a call (`_taking_part_sql`), beside the attendance
# modes; absent is "".
PART_ABSENT = ""
PART_POSTAL = "postal"
PART_REPRESENTED = "represented"
PARTS = (
    PART_ABSENT,
    AttendanceMode.PRESENT.value,
    AttendanceMode.REMOTE.value,
    PART_POSTAL,
    PART_REPRESENTED,
)
# A count of some members only names at most this many of them in one statement.
MEMBERS_PER_COUNT = 500
# The states in which an assembly's current call is under way, its counts kept
# (`CallAttendanceCount`, moved by assemblies.services.attendance_counts).
COUNTED_STATUSES = (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION)

# How many members take part in each way, per (college key, part).
Parts = dict[tuple[str, str], int]


def _taking_part_sql(
    assembly: Assembly,
    call: AssemblyCall,
    colleges: list[RollCollege],
    member_ids: list[int] | None = None,
) -> tuple[str, list[Any]]:
    """Every member with a vote (`voting_memberships`), with their college and how they
    take part in `call` (`part`): `present` or `remote` when checked in; else `postal`
    when they voted by post; else `represented` when they gave a live proxy whose holder
    attends (a holder with a vote, checked in), or that names no holder (the chair holds
    it); else "". Each member counts once, in that order. One statement joining four
    sets, which the database counts by hashing them (`call_attendance`), however many
    members. With `member_ids` (at most `MEMBERS_PER_COUNT`), those members only, read
    by their ids: the same rules for the kept counts' moves (`call_parts`)."""

    def sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
        text, params = queryset.order_by().query.sql_with_params()
        return text, list(params)

    voting = voting_memberships(assembly.cooperative, colleges)
    checked_in = Attendance.objects.filter(call=call, checked_out_at__isnull=True)
    postal = PostalVote.objects.filter(assembly=assembly)
    proxies = AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
    holders_attending = checked_in.filter(member_id__in=voting.values("member_id"))
    members = voting
    if member_ids is not None:
        assert len(member_ids) <= MEMBERS_PER_COUNT, "count the members a slice at a time"
        members = voting.filter(member_id__in=member_ids)
        checked_in = checked_in.filter(member_id__in=member_ids)
        postal = postal.filter(member_id__in=member_ids)
        proxies = proxies.filter(principal_id__in=member_ids)
        # Only the holders of these members' proxies are looked up.
        holders_attending = holders_attending.filter(member_id__in=proxies.values("holder_id"))
    represented = proxies.filter(
        Q(holder__isnull=True) | Q(holder_id__in=holders_attending.values("member_id"))
    )
    parts = [
        sql(members.values("member_id", "college_id")),
        # One open attendance per member and call: a constraint of the table.
        sql(checked_in.values("member_id", "mode")),
        sql(postal.values("member_id").distinct()),
        sql(represented.values("principal_id").distinct()),
    ]
    text = (
        "SELECT ms.member_id, ms.college_id, COALESCE(a.mode, CASE"
        f" WHEN pv.member_id IS NOT NULL THEN '{PART_POSTAL}'"
        f" WHEN rp.principal_id IS NOT NULL THEN '{PART_REPRESENTED}' ELSE '' END) AS part"
        " FROM ({}) ms"
        " LEFT JOIN ({}) a ON a.member_id = ms.member_id"
        " LEFT JOIN ({}) pv ON pv.member_id = ms.member_id"
        " LEFT JOIN ({}) rp ON rp.principal_id = ms.member_id"
    ).format(*(part for part, _params in parts))
    return text, [param for _part, params in parts for param in params]


def call_parts(
    assembly: Assembly,
    call: AssemblyCall,
    colleges: list[RollCollege],
    member_ids: Iterable[int] | None = None,
) -> Parts:
    """How many members with a vote take part in `call` in each way, per college of the
    roll, counted by the database (`_taking_part_sql`, grouped): over the whole roll, or
    over `member_ids` only, `MEMBERS_PER_COUNT` of them a statement. No zeros."""
    key_of = _college_key(colleges)
    if member_ids is None:
        slices: list[list[int] | None] = [None]
    else:
        ids = sorted(set(member_ids))
        slices = [ids[i : i + MEMBERS_PER_COUNT] for i in range(0, len(ids), MEMBERS_PER_COUNT)]
    counted: Parts = {}
    with connection.cursor() as cursor:
        for ids_slice in slices:
            parts, params = _taking_part_sql(assembly, call, colleges, ids_slice)
            cursor.execute(
                f"SELECT t.college_id, t.part, COUNT(*) FROM ({parts}) t"
                " GROUP BY t.college_id, t.part",
                params,
            )
            for college_id, part, n in cursor.fetchall():
                key = (key_of(college_id), part)
                counted[key] = counted.get(key, 0) + n
    return counted


def call_is_counted(assembly: Assembly, call: AssemblyCall) -> bool:
    """Whether `call` is the call under way of the assembly, whose counts are kept."""
    return (
        assembly.status in COUNTED_STATUSES
        and call.assembly_id == assembly.pk
        and call.number == assembly.current_call
    )


def call_parts_kept(call: AssemblyCall) -> Parts:
    """The counts kept for `call` (`CallAttendanceCount`), zeros included; empty for a
    call whose counts were never kept."""
    rows = CallAttendanceCount.objects.filter(call=call).values_list("college_key", "part", "count")
    return {(key, part): n for key, part, n in rows}


def _kept_for_roll(kept: Parts, colleges: list[RollCollege]) -> Parts | None:
    """The kept counts as the roll's colleges read them, or None when they do not cover
    the roll (never kept, or the roll changed without a recount): then the database
    counts."""
    if not kept:
        return None
    keys = {key for key, _part in kept}
    if any(c.key not in keys for c in colleges):
        return None
    roll = {c.key for c in colleges}
    return {(key, part): n for (key, part), n in kept.items() if key in roll and n}


def call_attendance(
    assembly: Assembly,
    call: AssemblyCall,
    *,
    with_members: bool = False,
    recount: bool = False,
    colleges: list[RollCollege] | None = None,
) -> AttendanceCount:
    """Count, right now, who takes part in a call and whether its quorum is reached.

    Present and remote members are those checked in; a member who gave a proxy for the
    assembly is represented when the holder attends (or the proxy names no holder, so the
    chair holds it); a member who voted by post counts as present. Each member counts
    once: being there comes first, then the postal ballot, then the proxy
    (`_taking_part_sql`). The quorum is computed by the resolution tally engine over these
    counts, so attendance and votes follow the same arithmetic in the rules' mode.

    The call under way is read from its kept counts (`call_parts_kept`, a handful of
    rows whatever the roll). The database counts the whole roll instead with `recount`
    (what the acts that bind go by, assemblies.services.attendance_counts), with
    `with_members`, which also reads who takes part in each way (the ids the opening and
    the close of a point need), and for any other call.
    """
    colleges = roll_colleges(assembly.cooperative) if colleges is None else colleges
    counted: Parts | None = None
    if not (with_members or recount) and call_is_counted(assembly, call):
        counted = _kept_for_roll(call_parts_kept(call), colleges)
    if counted is None:
        counted = call_parts(assembly, call, colleges)
    members: dict[str, set[int]] = {part: set() for part in PARTS if part}
    if with_members:
        text, params = _taking_part_sql(assembly, call, colleges)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT t.member_id, t.part FROM ({text}) t WHERE t.part <> ''", params)
            for member_id, part in cursor.fetchall():
                members[part].add(member_id)
    in_college: dict[str, dict[str, int]] = {c.key: {} for c in colleges}
    for (key, part), n in counted.items():
        in_college[key][part] = n
    colleges_counted = [
        CollegeAttendance(
            key=c.key,
            name=c.name,
            weight=c.weight,
            eligible=sum(in_college[c.key].values()),
            present=in_college[c.key].get(AttendanceMode.PRESENT, 0),
            remote=in_college[c.key].get(AttendanceMode.REMOTE, 0),
            represented=in_college[c.key].get(PART_REPRESENTED, 0),
            postal=in_college[c.key].get(PART_POSTAL, 0),
        )
        for c in colleges
    ]
    rules = assembly_rules(assembly)
    required = call_quorum_required(assembly, call.number)
    result = tally.tally_resolution(
        colleges=[
            tally.ResolutionCollege(
                key=c.key,
                name=c.name,
                weight=c.weight,
                eligible=c.eligible,
                yes=0,
                no=0,
                abstain=c.attending,
            )
            for c in colleges_counted
        ],
        rules=tally.ResolutionRules(
            quorum_mode=tally.QuorumMode(rules.quorum_mode), quorum=required
        ),
    )
    lowest = next((c.name for c in colleges_counted if c.key == result.quorum_lowest_college), None)
    return AttendanceCount(
        call=call.number,
        colleges=colleges_counted,
        quorum_mode=rules.quorum_mode,
        quorum_required=required,
        quorum_ratio=result.quorum_ratio,
        quorum_reached=result.quorum_reached,
        lowest_college=lowest,
        present_ids=frozenset(members[AttendanceMode.PRESENT]),
        remote_ids=frozenset(members[AttendanceMode.REMOTE]),
        represented_ids=frozenset(members[PART_REPRESENTED]),
        postal_ids=frozenset(members[PART_POSTAL]),
        parts=counted,
    )


def vote_attendance(vote: Vote, count: AttendanceCount) -> dict[str, int]:
    """Members taking part in a resolution's vote, per college of its frozen roll, for the
    quorum of its close: those on the roll who take part in the call now (present,
    remote, represented or postal), and those whose ballot was cast (a member who voted
    and then left took part). Keyed as the voting app keys its colleges, so every count
    lies between the college's ballots and its roll."""
    taking_part = sorted(
        count.present_ids | count.remote_ids | count.represented_ids | count.postal_ids
    )
    rows = (
        VoteCollege.objects.filter(vote=vote)
        .annotate(
            attending=Count(
                "roll", filter=Q(roll__has_voted=True) | Q(roll__member_id__in=taking_part)
            )
        )
        .values_list("key", "attending")
        .order_by()
    )
    return dict(rows)


def item_is_secret(assembly: Assembly, item: AgendaItem) -> bool:
    """An item is voted by secret ballot when set so, else when the rules say so."""
    if item.is_secret is not None:
        return item.is_secret
    return bool(assembly_rules(assembly).secret_ballot_default)


def resolution_is_secret(assembly: Assembly, resolution: Resolution) -> bool:
    if resolution.vote is not None:
        return resolution.vote.is_secret
    return item_is_secret(assembly, resolution.item)


def secret_resolution_ids(assembly: Assembly) -> set[int]:
    """The resolutions of an assembly voted (or to be voted) by secret ballot."""
    default = bool(assembly_rules(assembly).secret_ballot_default)
    secret = set()
    for resolution in resolutions_of(assembly):
        if resolution.vote is not None:
            is_secret = resolution.vote.is_secret
        elif resolution.item.is_secret is not None:
            is_secret = resolution.item.is_secret
        else:
            is_secret = default
        if is_secret:
            secret.add(resolution.pk)
    return secret


def current_call(assembly: Assembly) -> AssemblyCall:
    call = AssemblyCall.objects.filter(assembly=assembly, number=assembly.current_call).first()
    assert call is not None, "an assembly always has its current call"
    return call


def assembly_list(queryset: QuerySet[Assembly]) -> QuerySet[Assembly]:
    return queryset.select_related("cooperative").prefetch_related("calls").order_by("-id")


def assembly_detail(assembly_id: int) -> Assembly:
    return (
        Assembly.objects.select_related("cooperative", "rules_version", "chair", "secretary")
        .prefetch_related(
            "calls",
            "documents",
            Prefetch("items", queryset=agenda_items()),
        )
        .get(pk=assembly_id)
    )


def agenda_items() -> QuerySet[AgendaItem]:
    return (
        AgendaItem.objects.select_related("election", "proposal")
        .prefetch_related(
            "election__reserved__college",
            Prefetch(
                "election__candidates",
                queryset=Candidate.objects.select_related(
                    "person", "member", "college", "board_role"
                ),
            ),
            Prefetch(
                "resolutions",
                queryset=Resolution.objects.select_related(
                    "vote", "vote__decision", "candidate", "candidate__person"
                ).order_by("id"),
            ),
        )
        .order_by("position")
    )


def resolutions_of(assembly: Assembly) -> QuerySet[Resolution]:
    return (
        Resolution.objects.filter(item__assembly=assembly)
        .select_related(
            "item", "vote", "vote__decision", "candidate", "candidate__person", "candidate__member"
        )
        .order_by("item__position", "id")
    )


# The lists of an assembly's participants go in the order of their members' names. The
# members are the assembly's cooperative's: said in the filter, it lets the database walk
# the cooperative's index of member names (governance `member_by_name`) and stop at the
# page, instead of sorting every row of the assembly for every page. What a member has
# several of (calls, channels, resolutions) follows their name.


def convocation_list(assembly: Assembly, call: AssemblyCall | None = None) -> QuerySet[Convocation]:
    """The proof of sending by member name, then call and channel; of one `call` only when
    given (the web page shows each call on its own)."""
    convocations = Convocation.objects.filter(
        call__assembly=assembly, member__cooperative_id=assembly.cooperative_id
    )
    if call is not None:
        convocations = convocations.filter(call=call)
    return convocations.select_related("call", "member", "person", "sent_by").order_by(
        "member__name", "member_id", "call__number", "channel", "id"
    )


def convocation_counts(call: AssemblyCall) -> dict[tuple[str, str], int]:
    """How many convocations of `call` are in each (channel, status): the counts the
    services keep (`ConvocationCount`), a few rows whatever the size of the roll."""
    rows = ConvocationCount.objects.filter(call=call).values_list("channel", "status", "count")
    return {(channel, status): n for channel, status, n in rows if n}


def proxy_list(
    assembly: Assembly, person: Viewer, role: CooperativeRole
) -> QuerySet[AssemblyProxy]:
    """The board sees every proxy; a member those given or held by members they act for."""
    proxies = AssemblyProxy.objects.filter(assembly=assembly).select_related(
        "principal", "holder", "given_by"
    )
    if role.is_board:
        return proxies.order_by("id")
    mine = [m.pk for m in members_acting_person(assembly.cooperative, person)]
    return proxies.filter(Q(principal_id__in=mine) | Q(holder_id__in=mine)).order_by("id")


def postal_vote_list(
    assembly: Assembly, person: Viewer, role: CooperativeRole
) -> QuerySet[PostalVote]:
    """The board sees who voted by post; a member their own postal ballots."""
    votes = PostalVote.objects.filter(assembly=assembly).select_related(
        "member", "resolution", "resolution__item"
    )
    if role.is_board:
        return votes.filter(member__cooperative_id=assembly.cooperative_id).order_by(
            "member__name", "member_id", "resolution__item__position", "resolution_id", "id"
        )
    mine = [m.pk for m in members_acting_person(assembly.cooperative, person)]
    return votes.filter(member_id__in=mine).order_by(
        "resolution__item__position", "resolution_id", "id"
    )


def attendance_list(assembly: Assembly, call: AssemblyCall) -> QuerySet[Attendance]:
    """The attendance sheet of one of the assembly's calls, by member name."""
    return (
        Attendance.objects.filter(call=call, member__cooperative_id=assembly.cooperative_id)
        .select_related("call", "member", "person", "checked_in_by")
        .order_by("member__name", "member_id", "id")
    )


def acting_members_attending(assembly: Assembly, person: Viewer) -> list[tuple[int, bool]]:
    """The active members the person acts for in the assembly's cooperative
    (governance.acting), each with whether they are signed in to the current call, in one
    statement written out by hand. The booth's cast reads the same with its resolution
    (`acting_members_attending_column`)."""
    sql = f"SELECT ac.id, {_signed_in('%s', '%s')} FROM ({active_acting_members_sql()}) ac"
    params = [
        assembly.pk,
        assembly.current_call,
        *active_acting_members_params(assembly.cooperative_id, person),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(member_id, bool(attending)) for member_id, attending in cursor.fetchall()]


@cache
def acting_members_attending_column(assembly: str) -> str:
    """`acting_members_attending` as one column of a statement that reads the assembly
    (aliased `assembly`): a JSON array of [member id, signed in] pairs, null when the
    person acts for nobody there. Parameters: `acting_members_attending_params`; read
    back with `acting_members_attending_rows`."""
    pairs = f"{_json_array()}(ac.id, {_signed_in(f'{assembly}.id', f'{assembly}.current_call')})"
    acting = active_acting_members_sql(f"{assembly}.cooperative_id")
    return f"(SELECT {_json_agg()}({pairs}) FROM ({acting}) ac)"


def acting_members_attending_params(person: Viewer) -> list[Any]:
    return active_acting_person_params(person)


def acting_members_attending_rows(value: Any) -> list[tuple[int, bool]]:
    """The pairs of `acting_members_attending_column` as `acting_members_attending` gives
    them (PostgreSQL hands JSON over decoded, SQLite as text)."""
    pairs = json.loads(value) if isinstance(value, str) else value or []
    return [(int(member_id), bool(attending)) for member_id, attending in pairs]


def _signed_in(assembly_id: str, call_number: str) -> str:
    """Whether member `ac.id` is signed in to the call numbered `call_number` of the
    assembly `assembly_id` (SQL expressions or placeholders, in that order)."""
    attendances, calls = Attendance._meta.db_table, AssemblyCall._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {attendances} t JOIN {calls} k ON k.id = t.call_id"
        f" WHERE k.assembly_id = {assembly_id} AND k.number = {call_number}"
        " AND t.member_id = ac.id AND t.checked_out_at IS NULL)"
    )


def _json_array() -> str:
    return "json_build_array" if connection.vendor == "postgresql" else "json_array"


def _json_agg() -> str:
    return "json_agg" if connection.vendor == "postgresql" else "json_group_array"
