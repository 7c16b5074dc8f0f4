"""REST endpoints of onboarding: invitations, applications, CSV import, settings, reset."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.errors import InvalidInput
from core.parsers import JSONParser
from governance.models import Category, College, Cooperative, MemberKind, OrganisationType
from governance.permissions import access_cooperative
from onboarding import selectors, services
from onboarding.errors import ERROR_CODES
from onboarding.models import Invitation, InvitationKind
from onboarding.permissions import access_invitation
from onboarding.ratelimit import invitation_rate_hit, password_reset_rate_hit

TAG = ["onboarding"]
CODES = "Error codes: " + ", ".join(f"`{code}`" for code in ERROR_CODES) + "."


class InvitationOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    kind = serializers.ChoiceField(choices=InvitationKind.choices)
    state = serializers.SerializerMethodField()
    person = serializers.CharField(source="person.username")
    name = serializers.CharField(source="person.__str__")
    member = serializers.IntegerField(source="member_id", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    send_count = serializers.IntegerField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, invitation: Invitation) -> str:
        return invitation.state()

    get_state.__annotations__["return"] = str


class ApplicationOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership's id.")
    member = serializers.CharField(source="member.name")
    person = serializers.CharField(source="member.person.username", allow_null=True, default=None)
    email = serializers.CharField(source="member.person.email", allow_null=True, default=None)
    status = serializers.CharField()
    college = serializers.CharField(source="college.name", allow_null=True, default=None)
    category = serializers.CharField(source="category.name")
    applied_at = serializers.DateTimeField()
    message = serializers.SerializerMethodField()

    def get_message(self, membership: Any) -> str:
        application = getattr(membership, "application", None)
        return application.message if application is not None else ""


def _college(cooperative: Cooperative, pk: int | None) -> College | None:
    if pk is None:
        return None
    college = College.objects.filter(cooperative=cooperative, pk=pk).first()
    if college is None:
        raise InvalidInput(code="unknown_college", message="No such college in this cooperative.")
    return college


def _category(cooperative: Cooperative, pk: int) -> Category:
    category = Category.objects.filter(cooperative=cooperative, pk=pk).first()
    if category is None:
        raise InvalidInput(code="unknown_category", message="No such category in this cooperative.")
    return category


class InvitationListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        email = serializers.EmailField()
        kind = serializers.ChoiceField(choices=MemberKind.choices, default=MemberKind.NATURAL)
        organisation_type = serializers.ChoiceField(
            choices=OrganisationType.choices, required=False, allow_blank=True
        )
        college = serializers.IntegerField(required=False, allow_null=True)
        category = serializers.IntegerField()
        shares = serializers.IntegerField(min_value=0, default=0)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(InvitationOut)},
        operation_id="invitations_list",
        description="Board: the cooperative's invitations with their state. " + CODES,
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        return paginate(self, selectors.invitation_list(cooperative), InvitationOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: InvitationOut, 200: None},
        operation_id="invitations_create",
        description=(
            "Board: add an associate (the person, the membership, admitted or pending as the "
            "statutes say) and send an invitation with a one-time link to choose a password. "
            "For a legal person whose representative already has an account, the person is "
            "designated and told by e-mail (200, no invitation). " + CODES
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        invitation_rate_hit(person_id=actor.pk)
        values = data.validated_data
        with transaction.atomic(durable=True):
            invitation = services.associate_add(
                actor=actor,
                cooperative=cooperative,
                spec=services.AssociateSpec(
                    name=values["name"],
                    email=values["email"],
                    kind=values["kind"],
                    organisation_type=values.get("organisation_type", ""),
                    college=_college(cooperative, values.get("college")),
                    category=_category(cooperative, values["category"]),
                    shares=values["shares"],
                ),
            )
        if invitation is None:
            return Response(status=status.HTTP_200_OK)
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)


class InvitationResendApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: InvitationOut},
        operation_id="invitations_resend",
        description="Board: send again with a new link (the old one stops working). " + CODES,
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        actor = person_of(request)
        invitation = access_invitation(actor, slug, pk)
        invitation_rate_hit(person_id=actor.pk)
        with transaction.atomic(durable=True):
            invitation = services.invitation_resend(actor=actor, invitation=invitation)
        return Response(InvitationOut(invitation).data)


class InvitationRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: InvitationOut},
        operation_id="invitations_revoke",
        description="Board: the link stops working. " + CODES,
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        actor = person_of(request)
        with transaction.atomic(durable=True):
            invitation = services.invitation_revoke(
                actor=actor, invitation=access_invitation(actor, slug, pk)
            )
        return Response(InvitationOut(invitation).data)


class ImportRowOut(serializers.Serializer):
    line = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    kind = serializers.CharField()
    college = serializers.CharField()
    category = serializers.CharField()
    shares = serializers.CharField()
    organisation_type = serializers.CharField()
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(child=serializers.CharField())
    )


class ImportPreviewOut(serializers.Serializer):
    rows = ImportRowOut(many=True)
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    confirmation = serializers.CharField(
        help_text="Empty while a line has errors; otherwise pass it to the confirmation."
    )


class AssociatesImportPreviewApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="CSV in UTF-8, columns: name, email, kind (natural or legal), college, "
            "category, shares, and organisation_type for legal persons."
        )

    @extend_schema(
        tags=TAG,
        request={"multipart/form-data": InputSerializer},
        responses={200: ImportPreviewOut},
        operation_id="associates_import_preview",
        description="Board: read a CSV file and list each line's errors; writes nothing. " + CODES,
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        preview = services.associates_import_preview(
            actor=actor, cooperative=cooperative, data=data.validated_data["file"].read()
        )
        return Response(
            {
                "rows": ImportRowOut(preview.rows, many=True).data,
                "errors": preview.errors,
                "confirmation": preview.confirmation,
            }
        )


class AssociatesImportConfirmApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        confirmation = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        imported = serializers.IntegerField()
        invitations = InvitationOut(many=True)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: OutputSerializer},
        operation_id="associates_import_confirm",
        description="Board: add every associate of a previewed file in one transaction "
        "(all or none) and send their invitations. " + CODES,
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        invitation_rate_hit(person_id=actor.pk)
        with transaction.atomic(durable=True):
            created = services.associates_import_confirm(
                actor=actor,
                cooperative=cooperative,
                confirmation=data.validated_data["confirmation"],
            )
        invitations = [item for item in created if item is not None]
        return Response(
            {"imported": len(created), "invitations": InvitationOut(invitations, many=True).data},
            status=status.HTTP_201_CREATED,
        )


class ApplicationListFileApi(APIView):
    class InputSerializer(serializers.Serializer):
        college = serializers.IntegerField(required=False, allow_null=True)
        category = serializers.IntegerField()
        message = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(ApplicationOut)},
        operation_id="applications_list",
        description="Board: the applications waiting for a decision. " + CODES,
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        return paginate(self, selectors.application_list(cooperative), ApplicationOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ApplicationOut},
        operation_id="applications_file",
        description="A signed-in person with a verified e-mail applies while the board has "
        "applications open. " + CODES,
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative = get_object_or_404(Cooperative, slug=slug)
        with transaction.atomic(durable=True):
            application = services.application_file(
                actor=actor,
                cooperative=cooperative,
                category=_category(cooperative, data.validated_data["category"]),
                college=_college(cooperative, data.validated_data.get("college")),
                message=data.validated_data.get("message", ""),
            )
        membership = selectors.application_list(cooperative).get(pk=application.membership_id)
        return Response(ApplicationOut(membership).data, status=status.HTTP_201_CREATED)


class ApplicationAcceptApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: ApplicationOut},
        operation_id="applications_accept",
        description="Board: admit the applicant, who is told by e-mail. " + CODES,
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        with transaction.atomic(durable=True):
            membership = services.application_accept(
                actor=actor, membership=services.applicant_membership(actor, cooperative, pk)
            )
        return Response(ApplicationOut(membership).data)


class ApplicationRejectApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: ApplicationOut},
        operation_id="applications_reject",
        description="Board: refuse the application; the candidate is told by e-mail. " + CODES,
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        with transaction.atomic(durable=True):
            membership = services.application_reject(
                actor=actor,
                membership=services.applicant_membership(actor, cooperative, pk),
                reason=data.validated_data.get("reason", ""),
            )
        return Response(ApplicationOut(membership).data)


class OnboardingSettingsApi(APIView):
    class InputSerializer(serializers.Serializer):
        applications_open = serializers.BooleanField(required=False)
        admission_by_vote = serializers.BooleanField(required=False)
        board_requires_mfa = serializers.BooleanField(required=False)

    class OutputSerializer(serializers.Serializer):
        applications_open = serializers.BooleanField()
        admission_by_vote = serializers.BooleanField()
        board_requires_mfa = serializers.BooleanField()

    @extend_schema(tags=TAG, responses={200: OutputSerializer}, operation_id="onboarding_get")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        return Response(self.OutputSerializer(cooperative).data)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: OutputSerializer},
        operation_id="onboarding_update",
        description="Board: open or close applications, admission by vote, and two-factor "
        "authentication required of the board. " + CODES,
    )
    def patch(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = person_of(request)
        cooperative, _role = access_cooperative(actor, slug, manage=True)
        with transaction.atomic(durable=True):
            cooperative = services.cooperative_onboarding_configure(
                actor=actor, cooperative=cooperative, **data.validated_data
            )
        return Response(self.OutputSerializer(cooperative).data)


class PasswordResetApi(APIView):
    """Ask for a password-reset e-mail (allauth's reset flow); always 202, so that the
    answer does not tell whether an account uses the address."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    @extend_schema(
        tags=["auth"],
        request=InputSerializer,
        responses={202: None},
        operation_id="auth_password_reset",
        description="Sends a link to choose a new password, if an account uses the address. "
        "Limited per address and per client (429 `rate_limited` with Retry-After).",
    )
    def post(self, request: Request) -> Response:
        from allauth.account.forms import ResetPasswordForm

        from governance.login_throttle import client_address

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        password_reset_rate_hit(key=f"ip:{client_address(request)}")
        password_reset_rate_hit(key=f"email:{email}")
        form = ResetPasswordForm(data={"email": email})
        if form.is_valid():
            form.save(request._request)
        return Response(status=status.HTTP_202_ACCEPTED)
