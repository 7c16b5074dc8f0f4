"""REST endpoints of the governance model: one APIView per operation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.audit import audit_verify
from core.errors import InvalidInput, NotFound
from core.fields import format_fraction
from core.models import AuditEntry
from governance import login_throttle, selectors, services, tokens
from governance.models import (
    BoardRole,
    BoardRoleKind,
    Category,
    CategoryKind,
    College,
    Cooperative,
    EmptyCollegePolicy,
    LegalForm,
    MajorityBase,
    Member,
    Membership,
    MembershipStatus,
    Observer,
    OrganisationType,
    Person,
    QuorumMode,
    Representative,
    RulesVersion,
    TallyMethod,
)
from governance.permissions import access_cooperative, cooperatives_readable_by
from governance.validation import composition_warnings

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
            raise serializers.ValidationError("Use a fraction between 0 and 1, such as 2/3.")
        return Fraction(value)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else format_fraction(value)


# Output serializers.


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="__str__")


class CollegeWeightOut(serializers.Serializer):
    college_id = serializers.IntegerField()
    name = serializers.CharField(source="college.name")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class CollegeVersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    reason = serializers.CharField()
    colleges = CollegeWeightOut(many=True, source="weights.all")


class ProblemOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    subject = serializers.CharField()


class CooperativeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)


class RoleOut(serializers.Serializer):
    is_board = serializers.BooleanField()
    is_member = serializers.BooleanField()
    is_observer = serializers.BooleanField()


class CooperativeDetailOut(CooperativeOut):
    colleges = CollegeVersionOut(allow_null=True)
    rules_version = serializers.IntegerField()
    warnings = ProblemOut(many=True)
    my_role = RoleOut()


class DecisionRulesOut(serializers.Serializer):
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


class RulesVersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    block_votes_on_composition_breach = serializers.BooleanField()
    kinds = DecisionRulesOut(many=True, source="kinds.all")


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=CategoryKind.choices)


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    organisation_type = serializers.CharField()
    person = PersonOut(allow_null=True)


class MembershipOut(serializers.Serializer):
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


class RepresentativeOut(serializers.Serializer):
    id = serializers.IntegerField()
    member_id = serializers.IntegerField()
    person = PersonOut()
    designated_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class BoardRoleOut(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonOut()
    role = serializers.ChoiceField(choices=BoardRoleKind.choices)
    started_on = serializers.DateField()
    term_ends_on = serializers.DateField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ObserverOut(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonOut()
    organisation = serializers.CharField()
    invited_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class AuditEntryOut(serializers.Serializer):
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


def _person(username_or_id: Any) -> Person:
    lookup = (
        {"pk": username_or_id} if str(username_or_id).isdigit() else {"username": username_or_id}
    )
    person = Person.objects.filter(is_active=True, **lookup).first()
    if person is None:
        raise InvalidInput(
            code="unknown_person",
            message="No such person.",
            details={"person": str(username_or_id)},
        )
    return person


# Auth and self.


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=200, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Shown once; only its digest is stored.")
        id = serializers.CharField(help_text="The token's public id: its first characters.")
        expires_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        tags=["auth"],
        request=InputSerializer,
        responses={200: OutputSerializer},
        operation_id="auth_token_obtain",
        description=(
            "Failed attempts are limited per account and per client address "
            "(`LOGIN_RATE_ACCOUNT`, `LOGIN_RATE_ADDRESS`): past the limit every attempt, "
            "right or wrong, answers 429 `login_throttled` with a Retry-After header. "
            "Each call issues a new token, valid `API_TOKEN_TTL` days (90 by default)."
        ),
    )
    def post(self, request: Request) -> Response:
        from django.contrib.auth import authenticate

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        address = login_throttle.client_address(request)
        login_throttle.login_check(username=username, address=address)
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            login_throttle.login_failed(username=username, address=address)
            raise InvalidInput(code="invalid_credentials", message="Wrong username or password.")
        login_throttle.login_succeeded(username=username)
        token, key = tokens.api_token_create(person=user)
        return Response({"token": key, "id": tokens.token_id(token), "expires_at": token.expiry})


class ApiTokenOut(serializers.Serializer):
    id = serializers.CharField(source="token_key", help_text="The token's first characters.")
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)
    current = serializers.SerializerMethodField()

    def get_current(self, token: Any) -> bool:
        """Whether this request was authenticated with this token."""
        auth = getattr(self.context.get("request"), "auth", None)
        return getattr(auth, "digest", None) == token.digest


class ApiTokenListApi(APIView):
    @extend_schema(
        tags=["auth"],
        responses={200: page_of(ApiTokenOut)},
        operation_id="auth_tokens_list",
        description="Your own live API tokens, newest first. The tokens themselves are "
        "never shown again; `id` is their first characters.",
    )
    def get(self, request: Request) -> Response:
        found = tokens.api_token_list(person=request.user)
        return paginate(self, found, ApiTokenOut)


class ApiTokenRevokeApi(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: None},
        operation_id="auth_token_revoke",
        description="Revoke one of your tokens (404 `not_found` for any other id). "
        "Live connections opened with it close.",
    )
    def post(self, request: Request, token_id: str) -> Response:
        tokens.api_token_revoke(person=request.user, token_key=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereApi(APIView):
    class OutputSerializer(serializers.Serializer):
        tokens_revoked = serializers.IntegerField()

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={200: OutputSerializer},
        operation_id="auth_sign_out_everywhere",
        description="Revoke every API token of yours (this request's included), end every "
        "web session and close all your live connections.",
    )
    def post(self, request: Request) -> Response:
        revoked = tokens.person_sign_out_everywhere(person=request.user)
        return Response({"tokens_revoked": revoked})


class MeApi(APIView):
    @extend_schema(tags=["auth"], responses={200: PersonOut}, operation_id="me_get")
    def get(self, request: Request) -> Response:
        return Response(PersonOut(request.user).data)


# Cooperatives.


class CollegeIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )


class CooperativeListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        slug = serializers.SlugField(max_length=80)
        legal_form = serializers.ChoiceField(choices=LegalForm.choices)
        colleges = CollegeIn(many=True, required=False)

    @extend_schema(
        tags=TAG, responses={200: page_of(CooperativeOut)}, operation_id="cooperatives_list"
    )
    def get(self, request: Request) -> Response:
        return paginate(
            self, cooperatives_readable_by(request.user).order_by("name"), CooperativeOut
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CooperativeOut},
        operation_id="cooperatives_create",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative = services.cooperative_create(
                actor=person_of(request),
                name=values["name"],
                slug=values["slug"],
                legal_form=values["legal_form"],
                colleges=[
                    services.CollegeSpec(c["name"], c["weight"]) for c in values.get("colleges", [])
                ],
            )
        return Response(CooperativeOut(cooperative).data, status=status.HTTP_201_CREATED)


class CooperativeDetailApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: CooperativeDetailOut}, operation_id="cooperatives_retrieve"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, role = access_cooperative(request.user, slug)
        body = {
            **CooperativeOut(cooperative).data,
            "colleges": (
                CollegeVersionOut(v).data
                if (v := selectors.college_config_current(cooperative))
                else None
            ),
            "rules_version": selectors.rules_current(cooperative).number,
            "warnings": [p.as_dict() for p in composition_warnings(cooperative)],
            "my_role": {
                "is_board": role.is_board,
                "is_member": role.is_member,
                "is_observer": role.is_observer,
            },
        }
        return Response(body)


class CollegesApi(APIView):
    class InputSerializer(serializers.Serializer):
        colleges = CollegeIn(many=True)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: CollegeVersionOut}, operation_id="colleges_current")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        version = selectors.college_config_current(cooperative)
        if version is None:
            raise NotFound(
                code="no_colleges",
                message="This cooperative has no colleges: one member, one vote.",
            )
        return Response(CollegeVersionOut(version).data)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CollegeVersionOut},
        operation_id="colleges_configure",
        description="Replace colleges and weights atomically (a statute change). "
        "Refused with `colleges_invalid` naming each college at fault.",
    )
    def put(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            version = services.colleges_configure(
                actor=person_of(request),
                cooperative=cooperative,
                colleges=[
                    services.CollegeSpec(c["name"], c["weight"])
                    for c in data.validated_data["colleges"]
                ],
                reason=data.validated_data.get("reason", ""),
            )
        return Response(
            CollegeVersionOut(selectors.college_config_current(cooperative)).data
            if version
            else None,
            status=status.HTTP_201_CREATED,
        )


class CollegeVersionListApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: page_of(CollegeVersionOut)}, operation_id="colleges_versions"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.college_config_versions(cooperative), CollegeVersionOut)


class RulesApi(APIView):
    class KindIn(serializers.Serializer):
        tally_method = serializers.ChoiceField(choices=TallyMethod.choices, required=False)
        majority_base_first_call = serializers.ChoiceField(
            choices=MajorityBase.choices,
            required=False,
            help_text="votes_cast: abstentions are not votes cast; present: abstentions count "
            "as against; all_members: every member on the roll is in the base, so not voting "
            "counts as against (with colleges, in each college's own denominator).",
        )
        majority_base_second_call = serializers.ChoiceField(
            choices=MajorityBase.choices, required=False
        )
        abstention_policy = serializers.ChoiceField(
            choices=[("excluded", "excluded"), ("counted_against", "counted_against")],
            required=False,
            help_text="Deprecated: sets the base of both calls that is not given "
            "(excluded: votes_cast; counted_against: present).",
        )
        empty_college_policy = serializers.ChoiceField(
            choices=EmptyCollegePolicy.choices, required=False
        )
        quorum_mode = serializers.ChoiceField(choices=QuorumMode.choices, required=False)
        quorum_first_call = FractionSerializerField(required=False, allow_null=True)
        quorum_second_call = FractionSerializerField(required=False, allow_null=True)
        majority = FractionSerializerField(required=False)
        majority_strict = serializers.BooleanField(required=False)
        proxies_allowed = serializers.BooleanField(required=False)
        proxy_cap = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=1000
        )
        secret_ballot_default = serializers.BooleanField(required=False)
        notice_days_first_call = serializers.IntegerField(
            required=False, min_value=0, max_value=365
        )
        notice_days_later_call = serializers.IntegerField(
            required=False, min_value=0, max_value=365
        )
        legal_reference = serializers.CharField(required=False, max_length=300, allow_blank=True)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # Clients written before the base of the majority existed still set it through
            # the abstention policy it replaced.
            legacy = attrs.pop("abstention_policy", None)
            if legacy is not None:
                base = MajorityBase.VOTES_CAST if legacy == "excluded" else MajorityBase.PRESENT
                attrs.setdefault("majority_base_first_call", base)
                attrs.setdefault("majority_base_second_call", base)
            return attrs

    class InputSerializer(serializers.Serializer):
        ordinary = serializers.DictField(required=False)
        extraordinary = serializers.DictField(required=False)
        advisory = serializers.DictField(required=False)
        block_votes_on_composition_breach = serializers.BooleanField(required=False)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: RulesVersionOut}, operation_id="rules_current")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return Response(RulesVersionOut(selectors.rules_current(cooperative)).data)

    @extend_schema(
        tags=TAG,
        responses={201: RulesVersionOut},
        operation_id="rules_update",
        request=inline_serializer(
            "RulesUpdateIn",
            {
                "ordinary": KindIn(required=False),
                "extraordinary": KindIn(required=False),
                "advisory": KindIn(required=False),
                "block_votes_on_composition_breach": serializers.BooleanField(required=False),
                "reason": serializers.CharField(required=False, allow_blank=True, max_length=300),
            },
        ),
        description="Make a new rules version from the current one with these changes.",
    )
    def patch(self, request: Request, slug: str) -> Response:
        outer = self.InputSerializer(data=request.data)
        outer.is_valid(raise_exception=True)
        changes: dict[str, dict[str, Any]] = {}
        for kind in ("ordinary", "extraordinary", "advisory"):
            if kind in outer.validated_data:
                inner = self.KindIn(data=outer.validated_data[kind])
                if not inner.is_valid():
                    raise serializers.ValidationError({kind: inner.errors})
                changes[kind] = dict(inner.validated_data)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            version = services.rules_update(
                actor=person_of(request),
                cooperative=cooperative,
                changes=changes,
                block_votes_on_composition_breach=outer.validated_data.get(
                    "block_votes_on_composition_breach"
                ),
                reason=outer.validated_data.get("reason", ""),
            )
        version = RulesVersion.objects.prefetch_related("kinds").get(pk=version.pk)
        return Response(RulesVersionOut(version).data, status=status.HTTP_201_CREATED)


class RulesVersionListApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: page_of(RulesVersionOut)}, operation_id="rules_versions"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.rules_versions(cooperative), RulesVersionOut)


class CategoryListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        kind = serializers.ChoiceField(choices=CategoryKind.choices)

    @extend_schema(tags=TAG, responses={200: page_of(CategoryOut)}, operation_id="categories_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(
            self, Category.objects.filter(cooperative=cooperative).order_by("name"), CategoryOut
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CategoryOut},
        operation_id="categories_create",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            category = services.category_create(
                actor=person_of(request), cooperative=cooperative, **data.validated_data
            )
        return Response(CategoryOut(category).data, status=status.HTTP_201_CREATED)


# Memberships.


class MembershipListApplyApi(APIView):
    class InputSerializer(serializers.Serializer):
        category_id = serializers.IntegerField()
        college_id = serializers.IntegerField(required=False, allow_null=True)
        person = serializers.CharField(
            required=False,
            max_length=150,
            help_text="Username or id; the board may apply for "
            "someone else. Omit to apply for yourself.",
        )
        organisation_name = serializers.CharField(required=False, max_length=200)
        organisation_type = serializers.ChoiceField(
            choices=OrganisationType.choices, required=False
        )
        shares = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(MembershipOut)},
        parameters=[OpenApiParameter("status", enum=MembershipStatus.values)],
        operation_id="memberships_list",
        description="Members see active memberships; the board sees all.",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, role = access_cooperative(request.user, slug)
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in MembershipStatus.values:
            raise InvalidInput(code="invalid_status", message="Unknown membership status.")
        if not role.is_board:
            wanted = MembershipStatus.ACTIVE
        return paginate(self, selectors.membership_list(cooperative, status=wanted), MembershipOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: MembershipOut},
        operation_id="memberships_apply",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative = Cooperative.objects.filter(slug=slug).first()
            if cooperative is None:
                raise NotFound()
            category = Category.objects.filter(
                cooperative=cooperative, pk=values["category_id"]
            ).first()
            if category is None:
                raise InvalidInput(code="unknown_category", message="No such category.")
            college = None
            if values.get("college_id") is not None:
                college = College.objects.filter(
                    cooperative=cooperative, pk=values["college_id"]
                ).first()
                if college is None:
                    raise InvalidInput(code="unknown_college", message="No such college.")
            membership = services.membership_apply(
                actor=person_of(request),
                cooperative=cooperative,
                category=category,
                college=college,
                person=_person(values["person"]) if values.get("person") else None,
                organisation_name=values.get("organisation_name", ""),
                organisation_type=values.get("organisation_type", ""),
                shares=values.get("shares", 0),
            )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)


def _membership(request: Request, slug: str, pk: int) -> Membership:
    cooperative, role = access_cooperative(request.user, slug)
    membership = selectors.membership_list(cooperative).filter(pk=pk).first()
    if membership is None or (
        not role.is_board
        and membership.status != "active"
        and membership.member.person_id != request.user.pk
    ):
        raise NotFound()
    return membership


class MembershipDetailApi(APIView):
    @extend_schema(tags=TAG, responses={200: MembershipOut}, operation_id="memberships_retrieve")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(MembershipOut(_membership(request, slug, pk)).data)


class _MembershipActionApi(APIView):
    """Base for the one-verb membership endpoints below."""

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def handle(self, request: Request, slug: str, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            membership = self.act(request, _membership(request, slug, pk), data.validated_data)
        return Response(MembershipOut(membership).data)


def _action_schema(name: str, serializer: type[serializers.Serializer], doc: str) -> Any:
    return extend_schema(
        tags=TAG,
        request=serializer,
        responses={200: MembershipOut},
        operation_id=f"memberships_{name}",
        description=doc,
    )


class MembershipAdmitApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        started_on = serializers.DateField(required=False)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_admit(
            actor=person_of(request), membership=membership, started_on=values.get("started_on")
        )

    @_action_schema("admit", InputSerializer, "Board: admit an applicant.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipRefuseApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, max_length=300, allow_blank=True)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_refuse(
            actor=person_of(request), membership=membership, reason=values.get("reason", "")
        )

    @_action_schema("refuse", InputSerializer, "Board: refuse an application.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipResignApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        ended_on = serializers.DateField(required=False)
        reason = serializers.CharField(required=False, max_length=300, allow_blank=True)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_resign(
            actor=person_of(request),
            membership=membership,
            ended_on=values.get("ended_on"),
            reason=values.get("reason", ""),
        )

    @_action_schema("resign", InputSerializer, "The member or the board: resign.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipExcludeApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        ended_on = serializers.DateField(required=False)
        reason = serializers.CharField(max_length=300)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_exclude(
            actor=person_of(request),
            membership=membership,
            ended_on=values.get("ended_on"),
            reason=values["reason"],
        )

    @_action_schema("exclude", InputSerializer, "Board: exclude, with a reason.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipMoveApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        college_id = serializers.IntegerField()

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        college = College.objects.filter(
            cooperative=membership.cooperative, pk=values["college_id"]
        ).first()
        if college is None:
            raise InvalidInput(code="unknown_college", message="No such college.")
        return services.membership_move_college(
            actor=person_of(request), membership=membership, college=college
        )

    @_action_schema("move", InputSerializer, "Board: move to another college.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipSharesApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer):
        shares = serializers.IntegerField(min_value=0, max_value=10**9)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_set_shares(
            actor=person_of(request), membership=membership, shares=values["shares"]
        )

    @_action_schema(
        "shares", InputSerializer, "Board: record shares held (local authorities at most 50 %)."
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


# Members and representatives.


class MemberListApi(APIView):
    class Out(MemberOut):
        representatives = PersonOut(many=True, source="representative_people")

    @extend_schema(tags=TAG, responses={200: page_of(Out)}, operation_id="members_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        members: list[Any] = list(selectors.member_list(cooperative))
        for member in members:
            member.representative_people = [r.person for r in member.active_representatives]
        return paginate(self, members, self.Out)


class RepresentativeListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=150, help_text="Username or id.")

    @extend_schema(
        tags=TAG, responses={200: page_of(RepresentativeOut)}, operation_id="representatives_list"
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        member = get_object_or_404(Member, cooperative=cooperative, pk=member_id)
        return paginate(
            self, member.representatives.select_related("person").order_by("id"), RepresentativeOut
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: RepresentativeOut},
        operation_id="representatives_designate",
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            member = get_object_or_404(Member, cooperative=cooperative, pk=member_id)
            representative = services.representative_designate(
                actor=person_of(request),
                member=member,
                person=_person(data.validated_data["person"]),
            )
        return Response(RepresentativeOut(representative).data, status=status.HTTP_201_CREATED)


class RepresentativeRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: RepresentativeOut},
        operation_id="representatives_revoke",
    )
    def post(self, request: Request, slug: str, member_id: int, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            representative = get_object_or_404(
                Representative.objects.select_related("member__cooperative", "person"),
                member__cooperative=cooperative,
                member_id=member_id,
                pk=pk,
            )
            representative = services.representative_revoke(
                actor=person_of(request), representative=representative
            )
        return Response(RepresentativeOut(representative).data)


# Board and observers.


class BoardRoleListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=150, help_text="Username or id.")
        role = serializers.ChoiceField(choices=BoardRoleKind.choices)
        started_on = serializers.DateField(required=False)
        term_ends_on = serializers.DateField(required=False)

    @extend_schema(
        tags=TAG, responses={200: page_of(BoardRoleOut)}, operation_id="board_roles_list"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.board_role_list(cooperative), BoardRoleOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: BoardRoleOut},
        operation_id="board_roles_grant",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            board_role = services.board_role_grant(
                actor=person_of(request),
                cooperative=cooperative,
                person=_person(values["person"]),
                role=values["role"],
                started_on=values.get("started_on"),
                term_ends_on=values.get("term_ends_on"),
            )
        return Response(BoardRoleOut(board_role).data, status=status.HTTP_201_CREATED)


class BoardRoleRevokeApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: BoardRoleOut}, operation_id="board_roles_revoke"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            board_role = get_object_or_404(
                BoardRole.objects.select_related("person"), cooperative=cooperative, pk=pk
            )
            board_role = services.board_role_revoke(actor=person_of(request), board_role=board_role)
        return Response(BoardRoleOut(board_role).data)


class ObserverListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=150, help_text="Username or id.")
        organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: page_of(ObserverOut)}, operation_id="observers_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.observer_list(cooperative), ObserverOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ObserverOut},
        operation_id="observers_invite",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            observer = services.observer_invite(
                actor=person_of(request),
                cooperative=cooperative,
                person=_person(data.validated_data["person"]),
                organisation=data.validated_data.get("organisation", ""),
            )
        return Response(ObserverOut(observer).data, status=status.HTTP_201_CREATED)


class ObserverRevokeApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: ObserverOut}, operation_id="observers_revoke"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            observer = get_object_or_404(
                Observer.objects.select_related("person", "cooperative"),
                cooperative=cooperative,
                pk=pk,
            )
            observer = services.observer_revoke(actor=person_of(request), observer=observer)
        return Response(ObserverOut(observer).data)


# Audit.


class AuditListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(AuditEntryOut)},
        operation_id="audit_list",
        description="Board: this cooperative's entries.",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        entries = (
            AuditEntry.objects.filter(cooperative_id=cooperative.pk)
            .select_related("actor")
            .order_by("-id")
        )
        return paginate(self, entries, AuditEntryOut)


class AuditVerifyApi(APIView):
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        checked = serializers.IntegerField()
        first_broken_id = serializers.IntegerField(allow_null=True)
        reason = serializers.CharField()

    @extend_schema(tags=TAG, responses={200: OutputSerializer}, operation_id="audit_verify")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        result = audit_verify()
        reason = result.reason
        own_entry = AuditEntry.objects.filter(
            pk=result.first_broken_id or 0, cooperative_id=cooperative.pk
        )
        if not result.ok and not own_entry.exists():
            # The chain is the installation's: a break in another cooperative's entries is
            # reported without naming what it is about.
            reason = _(
                "An entry outside this cooperative's own acts is broken; the site operator "
                "can run `python manage.py verify_audit` for the details."
            )
        return Response(
            {
                "ok": result.ok,
                "checked": result.checked,
                "first_broken_id": result.first_broken_id,
                "reason": reason,
            }
        )
