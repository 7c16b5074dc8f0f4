"""Who may see and run what of an assembly: predicates and loaders, in one place."""

from __future__ import annotations

from django.db.models import QuerySet

from assemblies.models import Assembly, AssemblyProxy, AssemblyStatus, Attendance
from core.errors import NotFound
from governance.errors import BoardOnly
from governance.models import Cooperative
from governance.permissions import CooperativeRole, Viewer, cooperative_role


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


def access_assembly(
    person: Viewer, assembly_id: int, *, manage: bool = False, lock: bool = False
) -> tuple[Assembly, CooperativeRole]:
    """Load an assembly the person may see (the same 404 for missing and not visible);
    with `manage`, also require the board (403, since the person knows it exists)."""
    queryset = Assembly.objects.select_related("cooperative", "rules_version")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    assembly = queryset.filter(pk=assembly_id).first()
    if assembly is None:
        raise NotFound()
    role = cooperative_role(person, assembly.cooperative)
    if not can_view_assembly(assembly, role):
        raise NotFound()
    if manage and not can_manage_assembly(role):
        raise BoardOnly()
    return assembly, role


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
