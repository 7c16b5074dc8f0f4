"""General assemblies: convocation, attendance, quorum by call and minutes."""

from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "assemblies"

    def ready(self) -> None:
        # Governance cannot import the assemblies: it signals the changes of who has a
        # vote, and the kept attendance counts of the calls under way follow them.
        from assemblies.services import attendance_counts
        from governance.signals import college_roll_changed, membership_changing

        membership_changing.connect(
            attendance_counts.membership_changing_received,
            dispatch_uid="assemblies.attendance_counts.membership",
        )
        college_roll_changed.connect(
            attendance_counts.college_roll_changed_received,
            dispatch_uid="assemblies.attendance_counts.colleges",
        )
