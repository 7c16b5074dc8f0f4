"""Serializers the governance endpoints share: fractions, people, outputs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.fields import format_fraction
from governance import selectors
from governance.errors import UnknownPerson
from governance.models import (
    BoardRoleKind,
    CategoryKind,
    LegalForm,
    MajorityBase,
    MembershipStatus,
    Person,
)

TAG = ["governance"]


class FractionSerializerField(serializers.CharField):
    """An exact fraction on the wire: "2/3", also accepting "0.25" or "25%"."""

    def to_internal_value(self, data: Any) -> Any:
        from fractions import Fraction

        from django.core.exceptions import ValidationError

        from core.fields import parse_fraction

        text = super().to_internal_value(data)
        try:
            value = parse_fraction(text)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if value < 0 or value > 1 or value.denominator > 10_000:
            raise serializers.ValidationError(_("Use a fraction between 0 and 1, such as 2/3."))
        return Fraction(value)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else format_fraction(value)


# Output serializers.


class PersonOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="__str__")


class CollegeWeightOut(serializers.Serializer[Any]):
    college_id = serializers.IntegerField()
    name = serializers.CharField(source="college.name")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class CollegeVersionOut(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    reason = serializers.CharField()
    colleges = CollegeWeightOut(many=True, source="weights.all")


class ProblemOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    subject = serializers.CharField()


class CooperativeOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)


class RoleOut(serializers.Serializer[Any]):
    is_board = serializers.BooleanField()
    is_member = serializers.BooleanField()
    is_observer = serializers.BooleanField()


class CooperativeDetailOut(CooperativeOut):
    colleges = CollegeVersionOut(allow_null=True)
    rules_version = serializers.IntegerField()
    warnings = ProblemOut(many=True)
    my_role = RoleOut()


class DecisionRulesOut(serializers.Serializer[Any]):
    decision_kind = serializers.CharField()
    tally_method = serializers.CharField()
    majority_base_first_call = serializers.ChoiceField(
        choices=MajorityBase.choices,
        help_text="What the majority is a share of on the first call (or consultation).",
    )
    majority_base_second_call = serializers.ChoiceField(
        choices=MajorityBase.choices,
        help_text="What the majority is a share of on the second (or any later) call.",
    )
    empty_college_policy = serializers.CharField()
    quorum_mode = serializers.CharField()
    quorum_first_call = FractionSerializerField(allow_null=True)
    quorum_second_call = FractionSerializerField(allow_null=True)
    majority = FractionSerializerField()
    majority_strict = serializers.BooleanField()
    proxies_allowed = serializers.BooleanField()
    proxy_cap = serializers.IntegerField(allow_null=True)
    secret_ballot_default = serializers.BooleanField()
    notice_days_first_call = serializers.IntegerField()
    notice_days_later_call = serializers.IntegerField()
    legal_reference = serializers.CharField()


class RulesVersionOut(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    block_votes_on_composition_breach = serializers.BooleanField()
    kinds = DecisionRulesOut(many=True, source="kinds.all")


class CategoryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=CategoryKind.choices)


class MemberOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    organisation_type = serializers.CharField()
    person = PersonOut(allow_null=True)


class MembershipOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    member = MemberOut()
    category = CategoryOut()
    college = serializers.CharField(source="college.name", allow_null=True, default=None)
    college_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    applied_at = serializers.DateTimeField()
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()
    shares = serializers.IntegerField()


class RepresentativeOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    member_id = serializers.IntegerField()
    person = PersonOut()
    designated_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class BoardRoleOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    person = PersonOut()
    role = serializers.ChoiceField(choices=BoardRoleKind.choices)
    started_on = serializers.DateField()
    term_ends_on = serializers.DateField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ObserverOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    person = PersonOut()
    organisation = serializers.CharField()
    invited_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class AuditEntryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    verb = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    data = serializers.JSONField()  # type: ignore[assignment]
    prev_hash = serializers.CharField()
    hash = serializers.CharField(help_text="HMAC-SHA-256 under the key `key_id` names.")
    key_id = serializers.CharField(
        help_text="The audit key that signed the entry; empty for the entries written before "
        "the log was keyed."
    )


def person_named(username_or_id: str) -> Person:
    """The active person an input names by username or id (`unknown_person` otherwise)."""
    person = selectors.person_by_username_or_id(username_or_id)
    if person is None:
        raise UnknownPerson(details={"person": str(username_or_id)})
    return person
