"""Members, their periods of membership and the representatives of legal persons."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models.cooperatives import Category, College, Cooperative


class MemberKind(models.TextChoices):
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal person")


class OrganisationType(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    COMPANY = "company", _("Company")
    LOCAL_AUTHORITY = "local_authority", _("Local authority or grouping")
    PUBLIC_BODY = "public_body", _("Other public body")
    OTHER = "other", _("Other")


class Member(models.Model):
    """An associate: a natural person, or a legal person acting through representatives."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=16, choices=MemberKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships_as_person",
    )
    name = models.CharField(_("name"), max_length=200)
    organisation_type = models.CharField(
        max_length=32, choices=OrganisationType.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cooperative", "name"]
        # The members list pages in name order: the index gives page 1 without sorting
        # the whole cooperative.
        indexes = [models.Index(fields=["cooperative", "name", "id"], name="member_by_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(person__isnull=False),
                name="member_one_per_person",
            ),
            models.CheckConstraint(
                condition=(Q(kind="natural") & Q(person__isnull=False) & Q(organisation_type=""))
                | (Q(kind="legal") & Q(person__isnull=True) & ~Q(organisation_type="")),
                name="member_kind_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local_authority(self) -> bool:
        return self.organisation_type == OrganisationType.LOCAL_AUTHORITY


class MembershipStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", _("Refused")
    RESIGNED = "resigned", _("Resigned")
    EXCLUDED = "excluded", _("Excluded")


OPEN_STATUSES = (MembershipStatus.APPLICANT, MembershipStatus.ACTIVE)


class Membership(models.Model):
    """One period of membership. Never deleted: closed votes tally against past rolls."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships")
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="memberships"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="memberships")
    college = models.ForeignKey(
        College, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    status = models.CharField(max_length=16, choices=MembershipStatus.choices)
    applied_at = models.DateTimeField()
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    shares = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cooperative", "member__name"]
        constraints = [
            # One member, one vote: at most one open membership per member.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["applicant", "active"]),
                name="membership_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(started_on__isnull=False),
                name="membership_active_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resigned", "excluded"]) | Q(ended_on__isnull=False),
                name="membership_ended_has_end",
            ),
        ]
        # The membership list API pages in (status, id) order from this index alone; a
        # filter on the status alone is served by its first two columns.
        indexes = [
            models.Index(fields=["cooperative", "status", "id"], name="membership_by_status"),
            # Whether a category counts an active member (the SCIC's composition) is
            # one probe of this index, however many members came and went.
            models.Index(fields=["category", "status"], name="membership_by_category"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.status})"


class Representative(models.Model):
    """A person designated to act for a legal-person member; the member keeps one vote."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="representatives")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="representations"
    )
    designated_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "designated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "person"],
                condition=Q(revoked_at__isnull=True),
                name="representative_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.member}"
