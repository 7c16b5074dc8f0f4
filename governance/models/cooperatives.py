"""The cooperative, its legal categories of associates, its colleges and their weights."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


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
    # Onboarding, as the statutes and the board decide (onboarding app).
    applications_open = models.BooleanField(
        _("applications open"),
        default=False,
        help_text=_("A public page lets people apply for membership."),
    )
    admission_by_vote = models.BooleanField(
        _("admission by vote"),
        default=False,
        help_text=_(
            "The statutes require a vote of admission: an associate the board adds stays "
            "pending until admitted."
        ),
    )
    board_requires_mfa = models.BooleanField(
        _("two-factor authentication required for the board"),
        default=False,
        help_text=_("Board members must use two-factor authentication before any board action."),
    )

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
