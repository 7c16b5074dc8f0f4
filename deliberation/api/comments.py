"""REST endpoints of comments: the thread, edits and their history, reactions, moderation."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from deliberation import selectors, services
from deliberation.api.outputs import CommentOut, ReactionSummaryOut, RevisionOut
from deliberation.inputs import COMMENT_INPUT_MAX, STANCE_CHOICES, CommentListCreateInput
from deliberation.models import Comment, ReactionKind
from deliberation.permissions import access_comment, access_proposal, can_moderate_proposal

TAG = ["deliberation"]


def _comment_out(request: Request, comment: Comment) -> Response:
    return Response(
        CommentOut(selectors.comment_get(request.user, comment), context={"request": request}).data
    )


class CommentListCreateApi(APIView):
    InputSerializer = CommentListCreateInput

    @extend_schema(
        tags=TAG,
        responses={200: page_of(CommentOut)},
        operation_id="comments_list",
        description="Every comment of the proposal in posting order, with "
        "tombstones; build the tree from `parent_id`.",
    )
    def get(self, request: Request, pk: int) -> Response:
        proposal = access_proposal(request.user, pk)
        is_moderator = can_moderate_proposal(request.user, proposal)
        return paginate(
            self,
            selectors.comment_list(request.user, proposal, is_moderator=is_moderator),
            CommentOut,
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CommentOut},
        operation_id="comments_create",
        description="Post a comment or a reply. Rate-limited per person (429 with Retry-After).",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            parent = None
            if values.get("parent_id") is not None:
                parent = access_comment(request.user, values["parent_id"])
            comment = services.comment_create(
                actor=person_of(request),
                proposal=proposal,
                body=values["body"],
                parent=parent,
                stance=values.get("stance", ""),
            )
        response = _comment_out(request, comment)
        response.status_code = status.HTTP_201_CREATED
        return response


class CommentDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=COMMENT_INPUT_MAX)
        stance = serializers.ChoiceField(choices=STANCE_CHOICES, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: CommentOut}, operation_id="comments_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        return _comment_out(request, access_comment(request.user, pk))

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: CommentOut},
        operation_id="comments_edit",
        description="The author rewrites a comment; the previous text is kept.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            comment = services.comment_edit(
                actor=person_of(request),
                comment=comment,
                body=values["body"],
                stance=values.get("stance", services.UNSET),
            )
        return _comment_out(request, comment)

    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: CommentOut},
        operation_id="comments_delete",
        description="The author deletes a comment; a tombstone keeps its place.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            comment = services.comment_delete(actor=person_of(request), comment=comment)
        return _comment_out(request, comment)


class CommentRevisionListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(RevisionOut)},
        operation_id="comment_revisions_list",
        description="Earlier texts of an edited comment, oldest first; readable "
        "by whoever may read the comment.",
    )
    def get(self, request: Request, pk: int) -> Response:
        comment = selectors.comment_get(request.user, access_comment(request.user, pk))
        if not comment.viewer_sees_content:  # type: ignore[attr-defined]
            return paginate(self, selectors.comment_revisions(comment).none(), RevisionOut)
        return paginate(self, selectors.comment_revisions(comment), RevisionOut)


KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ReactionKind.values
)


class CommentReactionApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        parameters=[KIND_PARAMETER],
        responses={200: ReactionSummaryOut},
        operation_id="comment_reactions_add",
    )
    def put(self, request: Request, pk: int, kind: str) -> Response:
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            services.reaction_add(actor=person_of(request), comment=comment, kind=kind)
        return self._summary(request, comment)

    @extend_schema(
        tags=TAG,
        request=None,
        parameters=[KIND_PARAMETER],
        responses={200: ReactionSummaryOut},
        operation_id="comment_reactions_remove",
    )
    def delete(self, request: Request, pk: int, kind: str) -> Response:
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            services.reaction_remove(actor=person_of(request), comment=comment, kind=kind)
        return self._summary(request, comment)

    def _summary(self, request: Request, comment: Comment) -> Response:
        reactions = list(comment.reactions.all())
        return Response(selectors.reaction_summary(reactions, request.user.pk or 0))


class CommentHideApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: CommentOut},
        operation_id="comments_hide",
        description="Moderators (the board, or people granted it on this "
        "proposal) hide a comment with a reason. Audited.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            comment = services.comment_hide(
                actor=person_of(request), comment=comment, reason=data.validated_data["reason"]
            )
        return _comment_out(request, comment)


class CommentUnhideApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: CommentOut}, operation_id="comments_unhide"
    )
    def post(self, request: Request, pk: int) -> Response:
        with transaction.atomic(durable=True):
            comment = access_comment(request.user, pk)
            comment = services.comment_unhide(actor=person_of(request), comment=comment)
        return _comment_out(request, comment)
