"""Who may see and run what of an assembly: predicates and loaders, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    Resolution,
)
from assemblies.selectors import (
    acting_members_attending_column,
    acting_members_attending_params,
    acting_members_attending_rows,
)
from core.errors import NotFound
from governance.errors import BoardOnly
from governance.models import Cooperative
from governance.permissions import (
    CooperativeRole,
    Viewer,
    cooperative_role,
    reads_role_from_grants,
    role_from_mask,
    role_sql,
)
from voting.models import Vote
from voting.rows import fetch_instances, own_columns, pop_related, related_columns


def can_view_assembly(assembly: Assembly, role: CooperativeRole) -> bool:
    """Drafts are the board's; once convened, the board, the members and the observers
    read the assembly, its agenda and its minutes."""
    if not role.can_read:
        return False
    return role.is_board or assembly.status != AssemblyStatus.DRAFT


def can_manage_assembly(role: CooperativeRole) -> bool:
    """Preparing, convening, chairing and closing an assembly is the board's."""
    return role.is_board


def can_read_attendance(role: CooperativeRole) -> bool:
    """The attendance sheet names members: the board and the members read it; observers
    see the counts only."""
    return role.is_board or role.is_member


def can_read_convocations(role: CooperativeRole) -> bool:
    """The proof of sending lists every address: the board's."""
    return role.is_board


def assemblies_visible(person: Viewer, cooperative: Cooperative) -> QuerySet[Assembly]:
    role = cooperative_role(person, cooperative)
    assemblies = Assembly.objects.filter(cooperative=cooperative)
    if not role.can_read:
        return assemblies.none()
    if not role.is_board:
        assemblies = assemblies.exclude(status=AssemblyStatus.DRAFT)
    return assemblies


def room_last_seq(person: Viewer, assembly_id: int) -> int | None:
    """The last number of an assembly's room when the person may see the assembly (as
    access_assembly decides), else None: the assembly, its cooperative's two-factor rule
    and the person's role (governance's role_sql, as the casting path embeds it) in one
    statement, so that entering the room costs one read besides authentication."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return None
    if not 0 < assembly_id < 2**63:
        return None
    from_grants = reads_role_from_grants(person)
    role_column, params = role_sql(person, "a.cooperative_id") if from_grants else ("NULL", [])
    quote = connection.ops.quote_name
    sql = (
        f"SELECT a.cooperative_id, a.status, a.last_seq, c.board_requires_mfa, {role_column}"
        f" FROM {quote(Assembly._meta.db_table)} a"
        f" JOIN {quote(Cooperative._meta.db_table)} c ON c.id = a.cooperative_id"
        " WHERE a.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, assembly_id])
        row = cursor.fetchone()
    if row is None:
        return None
    cooperative_id, status, last_seq, requires_mfa, mask = row
    cooperative = Cooperative(pk=cooperative_id, board_requires_mfa=requires_mfa)
    role = role_from_mask(person, cooperative, mask)
    assembly = Assembly(pk=assembly_id, cooperative_id=cooperative_id, status=status)
    if not can_view_assembly(assembly, role):
        return None
    return int(last_seq)


def access_assembly(
    person: Viewer, assembly_id: int, *, manage: bool = False, lock: bool = False
) -> tuple[Assembly, CooperativeRole]:
    """Load an assembly the person may see (the same 404 for missing and not visible);
    with `manage`, also require the board (403, since the person knows it exists)."""
    queryset = Assembly.objects.select_related("cooperative", "rules_version")
    from_grants = reads_role_from_grants(person)
    if from_grants:
        # The person's role rides in the assembly's statement (governance's role_sql).
        column = f"{connection.ops.quote_name(Assembly._meta.db_table)}.cooperative_id"
        queryset = queryset.annotate(role_mask=RawSQL(*role_sql(person, column)))
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    assembly = queryset.filter(pk=assembly_id).first()
    if assembly is None:
        raise NotFound()
    mask = getattr(assembly, "role_mask", None)
    role = role_from_mask(person, assembly.cooperative, mask)
    if not can_view_assembly(assembly, role):
        raise NotFound()
    if manage and not can_manage_assembly(role):
        raise BoardOnly()
    return assembly, role


def access_booth_resolution(
    person: Viewer, assembly_id: int, resolution_id: int, *, lock: bool = False
) -> tuple[Assembly, Resolution, CooperativeRole]:
    """What both booths read first, in one statement: a resolution of an assembly the
    person may see (the same 404 for a resolution of another assembly), with its item, its
    vote and the assembly, and the person's role (governance's `role_sql`, as
    `access_vote_for_casting` embeds it). With `lock`, inside a transaction, the vote row
    is read locked in share mode, as a cast locks it (pass `locked=True` to the service).

    A resolution without a vote (its item not opened yet) is read by a second statement,
    the vote then being None: locking the nullable side of an outer join is not allowed.
    """
    booth = _access_booth(person, assembly_id, resolution_id, lock=lock, acting=False)
    return booth.assembly, booth.resolution, booth.role


@dataclass(frozen=True)
class BoothCast:
    """What a ballot in the booth starts from (`access_booth_for_cast`)."""

    assembly: Assembly
    resolution: Resolution
    role: CooperativeRole
    # The members the person acts for, each with whether they are signed in to the
    # current call (assemblies.selectors.acting_members_attending).
    acting: list[tuple[int, bool]]


def access_booth_for_cast(person: Viewer, assembly_id: int, resolution_id: int) -> BoothCast:
    """`access_booth_resolution` with `lock`, for a ballot: the same statement also reads
    the members the person acts for with their attendance, which the cast needs next
    (pass them on as the service's `acting`), so that a ballot takes one round trip to
    the database fewer. Runs inside a transaction."""
    return _access_booth(person, assembly_id, resolution_id, lock=True, acting=True)


def _access_booth(
    person: Viewer, assembly_id: int, resolution_id: int, *, lock: bool, acting: bool
) -> BoothCast:
    def read(locked: bool) -> list[Resolution]:
        return _booth_rows(person, assembly_id, resolution_id, locked=locked, acting=acting)

    rows = read(lock)
    if not rows and lock:
        # No such resolution, or no vote to lock yet: read it without the vote's lock.
        rows = read(False)
        if rows and rows[0].vote_id is not None:
            # The item opened between the two statements: read its vote locked.
            rows = read(True)
    if not rows:
        raise NotFound()
    resolution = rows[0]
    values = resolution.__dict__
    mask = values.pop("role__mask")
    attending = acting_members_attending_rows(values.pop("acting__rows", None))
    # What the role needs of the cooperative; its other fields load on access.
    cooperative = pop_related(resolution, Cooperative, "c", ("id", "board_requires_mfa"))
    vote = pop_related(resolution, Vote, "v", _BOOTH_VOTE_FIELDS)
    item = pop_related(resolution, AgendaItem, "i", _BOOTH_ITEM_FIELDS)
    assembly = pop_related(resolution, Assembly, "a", _BOOTH_ASSEMBLY_FIELDS)
    Assembly._meta.get_field("cooperative").set_cached_value(assembly, cooperative)
    AgendaItem._meta.get_field("assembly").set_cached_value(item, assembly)
    Resolution._meta.get_field("item").set_cached_value(resolution, item)
    Resolution._meta.get_field("vote").set_cached_value(resolution, vote)
    role = role_from_mask(person, cooperative, mask)
    if not can_view_assembly(assembly, role):
        raise NotFound()
    return BoothCast(assembly=assembly, resolution=resolution, role=role, acting=attending)


def _booth_rows(
    person: Viewer, assembly_id: int, resolution_id: int, *, locked: bool, acting: bool
) -> list[Resolution]:
    if not (0 < resolution_id < 2**63 and 0 < assembly_id < 2**63):
        return []
    from_grants = reads_role_from_grants(person)
    role_column, params = role_sql(person, "a.cooperative_id") if from_grants else ("NULL", [])
    acting_column = ""
    if acting:
        acting_column = f", {acting_members_attending_column('a')} AS acting__rows"
        params = [*params, *acting_members_attending_params(person)]
    table = {m: m._meta.db_table for m in (Resolution, AgendaItem, Assembly, Cooperative, Vote)}
    join = "JOIN" if locked else "LEFT JOIN"
    share = " FOR SHARE OF v" if locked and connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT {own_columns(Resolution, 'r')}, {related_columns(Vote, 'v', _BOOTH_VOTE_FIELDS)},"
        f" {related_columns(AgendaItem, 'i', _BOOTH_ITEM_FIELDS)},"
        f" {related_columns(Assembly, 'a', _BOOTH_ASSEMBLY_FIELDS)},"
        f" {related_columns(Cooperative, 'c', ('id', 'board_requires_mfa'))},"
        f" {role_column} AS role__mask{acting_column}"
        f" FROM {table[Resolution]} r"
        f" JOIN {table[AgendaItem]} i ON i.id = r.item_id"
        f" JOIN {table[Assembly]} a ON a.id = i.assembly_id"
        f" JOIN {table[Cooperative]} c ON c.id = a.cooperative_id"
        f" {join} {table[Vote]} v ON v.id = r.vote_id"
        f" WHERE r.id = %s AND a.id = %s{share}"
    )
    return fetch_instances(Resolution, sql, [*params, resolution_id, assembly_id])


# Every column of the vote (the cast reads it fresh under its lock), and of the item and
# the assembly what the booth and the room need; the rest loads on access.
_BOOTH_VOTE_FIELDS = tuple(field.name for field in Vote._meta.concrete_fields)
_BOOTH_ITEM_FIELDS = ("id", "assembly", "position", "kind", "title", "is_secret", "status")
_BOOTH_ASSEMBLY_FIELDS = (
    "id",
    "cooperative",
    "kind",
    "title",
    "status",
    "remote_allowed",
    "results_live",
    "postal_allowed",
    "current_call",
    "rules_version",
    "last_seq",
)


def access_assembly_proxy(person: Viewer, assembly_id: int, proxy_id: int) -> AssemblyProxy:
    """A proxy of an assembly the person may see (the same 404 for a proxy of another);
    who may change it is the service's to say."""
    assembly, _role = access_assembly(person, assembly_id)
    proxy = AssemblyProxy.objects.filter(pk=proxy_id, assembly=assembly).first()
    if proxy is None:
        raise NotFound()
    return proxy


def access_attendance(person: Viewer, assembly_id: int, attendance_id: int) -> Attendance:
    """A line of the attendance sheet of an assembly the person may see, with its call (the
    same 404 for a line of another assembly); who may change it is the service's to say."""
    assembly, _role = access_assembly(person, assembly_id)
    attendance = (
        Attendance.objects.select_related("call")
        .filter(pk=attendance_id, call__assembly=assembly)
        .first()
    )
    if attendance is None:
        raise NotFound()
    return attendance
