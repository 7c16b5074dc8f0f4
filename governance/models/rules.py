"""The governance rules of a cooperative, one set per decision kind, in immutable versions."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as gettext_now

from core.errors import DomainError
from core.fields import FractionField
from governance.models.cooperatives import Cooperative, DecisionKind

# The rules' vocabularies live in governance.vocabulary, where the tally engine reads them too.
from governance.vocabulary import EmptyCollegePolicy, MajorityBase, QuorumMode, TallyMethod


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

    def proxy_cap_allows(self, held: str) -> models.Q:
        """The filter of the holders who may take one more proxy, on `held` (a field or an
        annotation counting the proxies each holds): proxy_cap_reached, in the database."""
        return models.Q() if self.proxy_cap is None else models.Q(**{f"{held}__lt": self.proxy_cap})

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
