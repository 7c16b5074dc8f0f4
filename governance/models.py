"""The governance model of a multi-stakeholder cooperative, as its statutes describe it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.errors import DomainError
from core.fields import FractionField

# The rules' vocabularies live in governance.vocabulary, where the tally engine reads them too.
from governance.vocabulary import EmptyCollegePolicy as EmptyCollegePolicy
from governance.vocabulary import MajorityBase as MajorityBase
from governance.vocabulary import QuorumMode as QuorumMode
from governance.vocabulary import TallyMethod as TallyMethod


class Person(AbstractUser):
    """Someone with an account: a member, a representative, a board member or an observer.

    The username doubles as the @handle used in mentions.
    """

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # Raised by "sign out everywhere": every session signed with the previous value ends.
    sessions_epoch = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash (of the password), with the sessions epoch mixed in once
        it was raised; at 0 the hash is Django's own, so existing sessions stay valid."""
        if not self.sessions_epoch:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc,no-any-return]
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "governance.Person.get_session_auth_hash",
            f"{self.password}:{self.sessions_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class LegalForm(models.TextChoices):
    SCIC_SA = "scic_sa", _("SCIC SA")
    SCIC_SAS = "scic_sas", _("SCIC SAS")
    SCIC_SARL = "scic_sarl", _("SCIC SARL")
    OTHER = "other", _("Other multi-stakeholder cooperative")


class DecisionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    EXTRAORDINARY = "extraordinary", _("Extraordinary")
    ADVISORY = "advisory", _("Advisory")


class Cooperative(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    legal_form = models.CharField(_("legal form"), max_length=16, choices=LegalForm.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_cooperative", "Configure the cooperative and admit members (board)"),
            ("participate_in_cooperative", "Read and take part as a member"),
            ("observe_cooperative", "Read what the cooperative opens to observers"),
        ]

    def __str__(self) -> str:
        return self.name


class CooperativeUserPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table: fast joins instead of generic relations."""

    content_object = models.ForeignKey(Cooperative, on_delete=models.CASCADE)


class CooperativeGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Cooperative, on_delete=models.CASCADE)


class CategoryKind(models.TextChoices):
    """Legal kinds of associates (art. 19 septies of the 1947 law)."""

    EMPLOYEES = "employees", _("Employees")
    PRODUCERS = "producers", _("Producers")
    BENEFICIARIES = "beneficiaries", _("Beneficiaries (users)")
    SUPPLIERS = "suppliers", _("Suppliers")
    LOCAL_AUTHORITIES = "local_authorities", _("Local authorities")
    VOLUNTEERS = "volunteers", _("Volunteers")
    SUPPORTERS = "supporters", _("Supporters and other partners")


class Category(models.Model):
    """A legal category of associates. Several categories may share one college."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=CategoryKind.choices)

    class Meta:
        ordering = ["cooperative", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class College(models.Model):
    """A voting college. Its weight lives in the configuration versions."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="colleges")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["cooperative", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="college_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CollegeConfigVersion(models.Model):
    """An immutable configuration of colleges and weights; each change makes a new one."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="college_versions"
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["cooperative", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="college_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} colleges v{self.number}"


class CollegeWeight(models.Model):
    version = models.ForeignKey(
        CollegeConfigVersion, on_delete=models.CASCADE, related_name="weights"
    )
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["version", "college__position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "college"], name="college_weight_unique"),
            # LAW (art. 19 octies): no college below 10 % or above 50 % of the votes.
            models.CheckConstraint(
                condition=Q(weight__gte=10) & Q(weight__lte=50), name="college_weight_legal_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.college}: {self.weight} %"


class RulesVersion(models.Model):
    """An immutable set of governance rules (one per decision kind)."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="rules_versions"
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    block_votes_on_composition_breach = models.BooleanField(default=False)

    class Meta:
        ordering = ["cooperative", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="rules_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} rules v{self.number}"


class DecisionRules(models.Model):
    version = models.ForeignKey(RulesVersion, on_delete=models.CASCADE, related_name="kinds")
    decision_kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    tally_method = models.CharField(max_length=32, choices=TallyMethod.choices)
    # The base of the majority on the first call (or consultation) and on a later one.
    majority_base_first_call = models.CharField(
        max_length=32, choices=MajorityBase.choices, default=MajorityBase.VOTES_CAST
    )
    majority_base_second_call = models.CharField(
        max_length=32, choices=MajorityBase.choices, default=MajorityBase.VOTES_CAST
    )
    empty_college_policy = models.CharField(max_length=32, choices=EmptyCollegePolicy.choices)
    quorum_mode = models.CharField(max_length=32, choices=QuorumMode.choices)
    quorum_first_call = FractionField(null=True, blank=True)
    quorum_second_call = FractionField(null=True, blank=True)
    majority = FractionField()
    majority_strict = models.BooleanField(
        default=True, help_text="True: strictly above the threshold; false: at least it."
    )
    proxies_allowed = models.BooleanField(default=True)
    proxy_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    secret_ballot_default = models.BooleanField(default=False)
    notice_days_first_call = models.PositiveSmallIntegerField(default=15)
    notice_days_later_call = models.PositiveSmallIntegerField(default=10)
    legal_reference = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["version", "decision_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "decision_kind"], name="decision_rules_unique_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.decision_kind}"

    def proxy_cap_reached(self, held: int) -> bool:
        """Whether a holder of `held` proxies may take no more (the statutes' cap, if any)."""
        return self.proxy_cap is not None and held >= self.proxy_cap

    def refuse_proxy_over_cap(
        self,
        *,
        held: int | Callable[[], int],
        holder: str | Callable[[], str],
        error: type[DomainError],
    ) -> None:
        """Raise the caller's refusal (`error`: a vote's, an assembly's), with one code and
        one message, when `holder`, holding `held` proxies, may take no more. Either may be
        given as a function, called only when the rules set a cap."""
        if self.proxy_cap is None:
            return
        count = held() if callable(held) else held
        if self.proxy_cap_reached(count):
            name = holder() if callable(holder) else holder
            message = gettext_now(
                "%(holder)s already holds %(count)d proxies, the most the rules allow."
            ) % {"holder": name, "count": count}
            raise error(
                code="proxy_cap_reached",
                message=message,
                details={"cap": self.proxy_cap, "held": count},
            )

    def quorum_for_call(self, call: int) -> Fraction | None:
        """The quorum of the first call, or of the second (and any later) call."""
        quorum = self.quorum_first_call if call == 1 else self.quorum_second_call
        return None if quorum is None else Fraction(quorum)

    def majority_base_for_call(self, call: int) -> str:
        """The base of the majority on the first call, or on the second (and any later)."""
        return self.majority_base_first_call if call == 1 else self.majority_base_second_call


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
        indexes = [models.Index(fields=["cooperative", "status"])]

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


class BoardRoleKind(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    SECRETARY = "secretary", _("Secretary")
    TREASURER = "treasurer", _("Treasurer")
    DIRECTOR = "director", _("Director")


class BoardRoleQuerySet(models.QuerySet["BoardRole"]):
    def sitting(self, on: dt.date | None = None) -> BoardRoleQuerySet:
        """Seats that give board rights on `on` (today by default): not revoked, and the
        term not over. `term_ends_on` is the last day of the term, so the rights end the
        day after it without anyone acting. The one definition of who sits on a board;
        `governance.permissions.grants_sql` says the same in SQL."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, term_ends_on__gte=day)

    def expired(self, on: dt.date | None = None) -> BoardRoleQuerySet:
        """Seats still held (not revoked) whose term ended before `on` (today by default)."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, term_ends_on__lt=day)


class BoardRole(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="board_roles"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_roles"
    )
    role = models.CharField(max_length=16, choices=BoardRoleKind.choices)
    started_on = models.DateField()
    term_ends_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = BoardRoleQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(revoked_at__isnull=True),
                name="board_role_one_active",
            ),
            models.CheckConstraint(
                condition=Q(term_ends_on__gt=models.F("started_on")), name="board_term_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.role}"


class Observer(models.Model):
    """Someone who reads and comments on what is opened to observers, and never votes."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="observers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observer_of"
    )
    organisation = models.CharField(max_length=200, blank=True)
    invited_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cooperative", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(revoked_at__isnull=True),
                name="observer_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.organisation})"
