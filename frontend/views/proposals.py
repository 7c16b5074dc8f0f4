"""Proposal pages: the list, the page with its live debate, amendments and versions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deliberation import selectors, services
from deliberation.models import (
    ProposalStatus,
    ProposalVisibility,
    ReactionKind,
    Stance,
)
from deliberation.permissions import (
    access_amendment,
    access_comment,
    access_proposal,
    can_create_proposal,
    proposal_role,
)
from deliberation.room import room_last_seq
from deliberation.services.reading import proposal_mark_read
from frontend import selectors as page_selectors
from frontend.text import plain_to_html
from frontend.views.common import (
    cooperative_for,
    form_refusal,
    optional_id,
    page_view,
    paginate,
    perform,
    render_coop,
    signed_in,
)
from governance.models import DecisionKind

BODY_MAX = 40_000


class ProposalForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text of the proposal"),
        max_length=BODY_MAX,
        widget=forms.Textarea,
        help_text=gettext_lazy("Leave a blank line between paragraphs."),
    )
    decision_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of decision"), choices=DecisionKind.choices
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who may read it"), choices=ProposalVisibility.choices
    )


class CommentForm(forms.Form):
    body = forms.CharField(max_length=BODY_MAX)
    stance = forms.ChoiceField(required=False, choices=[("", ""), *Stance.choices])
    parent = forms.IntegerField(required=False, min_value=1)


def _proposal_url(pk: int, anchor: str = "") -> str:
    url = reverse("frontend:proposal", kwargs={"pk": pk})
    return f"{url}#{anchor}" if anchor else url


# The list and a new proposal.


@page_view
def proposal_list(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, role = cooperative_for(request, slug)
    status = request.GET.get("status") or None
    if status not in ProposalStatus.values:
        status = None
    proposals = selectors.proposal_list(request.user, cooperative, status=status)
    form = None
    if can_create_proposal(role):
        form = ProposalForm(
            request.POST or None,
            initial={
                "decision_kind": DecisionKind.ORDINARY,
                "visibility": ProposalVisibility.MEMBERS,
            },
        )
        if not role.is_board:
            visibility = cast(forms.ChoiceField, form.fields["visibility"])
            visibility.choices = [
                c for c in ProposalVisibility.choices if c[0] != ProposalVisibility.BOARD
            ]
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            created: list[Any] = []
            response = perform(
                request,
                lambda: created.append(
                    services.proposal_create(
                        actor=signed_in(request),
                        cooperative=cooperative,
                        title=values["title"],
                        body=plain_to_html(values["body"]),
                        decision_kind=values["decision_kind"],
                        visibility=values["visibility"],
                    )
                ),
                success=_("Your draft is saved. Publish it to open the debate."),
                redirect_to=reverse("frontend:proposals", kwargs={"slug": slug}),
            )
            if created:
                return HttpResponseRedirect(_proposal_url(created[0].pk))
            return response
    context = {
        "page": paginate(request, proposals),
        "status": status,
        "form": form,
        "statuses": ProposalStatus.choices,
    }
    return render_coop(
        request,
        "frontend/proposals/list.html",
        cooperative,
        role,
        "proposals",
        context,
        status=400 if form is not None and form.errors else 200,
    )


# The proposal page.


@page_view
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access_proposal(request.user, pk)
    context = page_selectors.proposal_page(
        signed_in(request), proposal, before=optional_id(request.GET, "before")
    )
    context["last_seq"] = room_last_seq(proposal.pk)
    context.update(page_selectors.comment_skeleton(context))
    context.update(page_selectors.live_skeletons(signed_in(request), context))
    proposal_mark_read(person=signed_in(request), proposal=proposal)
    return render_coop(
        request,
        "frontend/proposals/detail.html",
        proposal.cooperative,
        context["role"],
        "proposals",
        context,
    )


@page_view
def comment_fragment(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """One comment as the viewer may see it, for the live thread to insert or replace."""
    proposal = access_proposal(request.user, pk)
    comment = access_comment(request.user, comment_id)
    if comment.proposal_id != proposal.pk:
        raise Http404()
    context = page_selectors.proposal_page(signed_in(request), proposal, only_comment=comment.pk)
    return render(
        request,
        "frontend/proposals/_comment.html",
        {**context, "comment": context["comments_by_id"][comment.pk]},
    )


@page_view
def comment_threads(request: HttpRequest, pk: int) -> HttpResponse:
    """The next page of threads (those started before `before`), for the "more" button:
    the threads' items and the next "more" link, without the rest of the page."""
    proposal = access_proposal(request.user, pk)
    context = page_selectors.comment_threads(
        signed_in(request), proposal, before=optional_id(request.GET, "before")
    )
    return render(request, "frontend/proposals/_threads.html", context)


@page_view
def proposal_live_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """A section of the proposal page re-rendered for the live page (amendments, vote...)."""
    proposal = access_proposal(request.user, pk)
    templates = {
        "amendments": "frontend/proposals/_amendments.html",
        "vote": "frontend/proposals/_vote_panel.html",
        "header": "frontend/proposals/_header.html",
    }
    if part not in templates:
        raise Http404()
    context = page_selectors.proposal_page(signed_in(request), proposal, only_comment=0)
    if part == "amendments":
        # The section holds the template new amendments are drawn from.
        context.update(page_selectors.live_skeletons(signed_in(request), context))
    return render(request, templates[part], context)


@page_view
@require_POST
def proposal_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Publish or withdraw a proposal."""
    proposal = access_proposal(request.user, pk)
    back = _proposal_url(pk)
    if action == "publish":
        return perform(
            request,
            lambda: services.proposal_publish(actor=signed_in(request), proposal=proposal),
            success=_("The proposal is published: the debate is open."),
            redirect_to=back,
        )
    if action == "withdraw":
        reason = request.POST.get("reason", "")[:300]
        return perform(
            request,
            lambda: services.proposal_withdraw(
                actor=signed_in(request), proposal=proposal, reason=reason
            ),
            success=_("The proposal is withdrawn."),
            redirect_to=back,
        )
    raise Http404()


# Comments, reactions and moderation.


@page_view
@require_POST
def comment_post(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access_proposal(request.user, pk)
    back = _proposal_url(pk, "comments")
    form = CommentForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["body"].strip():
        return form_refusal(request, _("Write your comment before sending it."), redirect_to=back)
    values = form.cleaned_data

    # An observer comments without taking a side: only members (and the board) state one.
    role = proposal_role(request.user, proposal)
    stance = values["stance"] or "" if role.is_member or role.is_board else ""

    def post() -> Any:
        parent = access_comment(request.user, values["parent"]) if values["parent"] else None
        return services.comment_create(
            actor=signed_in(request),
            proposal=proposal,
            body=plain_to_html(values["body"]),
            parent=parent,
            stance=stance,
        )

    return perform(request, post, success=_("Your comment is posted."), redirect_to=back)


@page_view
@require_POST
def comment_act(request: HttpRequest, pk: int, comment_id: int, action: str) -> HttpResponse:
    """Edit, delete, hide or unhide one comment; react to it."""
    comment = access_comment(request.user, comment_id)
    back = _proposal_url(comment.proposal_id, f"comment-{comment.pk}")
    if comment.proposal_id != pk:
        raise Http404()
    if action == "edit":
        form = CommentForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["body"].strip():
            return form_refusal(request, _("A comment cannot be empty."), redirect_to=back)
        body, stance = plain_to_html(form.cleaned_data["body"]), form.cleaned_data["stance"]
        return perform(
            request,
            lambda: services.comment_edit(
                actor=signed_in(request), comment=comment, body=body, stance=stance or ""
            ),
            success=_("Your comment is updated."),
            redirect_to=back,
        )
    if action == "delete":
        return perform(
            request,
            lambda: services.comment_delete(actor=signed_in(request), comment=comment),
            success=_("Your comment is deleted."),
            redirect_to=back,
        )
    if action == "hide":
        reason = request.POST.get("reason", "").strip()[:500]
        return perform(
            request,
            lambda: services.comment_hide(actor=signed_in(request), comment=comment, reason=reason),
            success=_("The comment is hidden."),
            redirect_to=back,
        )
    if action == "unhide":
        return perform(
            request,
            lambda: services.comment_unhide(actor=signed_in(request), comment=comment),
            success=_("The comment is shown again."),
            redirect_to=back,
        )
    if action == "react":
        kind = request.POST.get("kind", "")
        if kind not in ReactionKind.values:
            return form_refusal(request, _("Unknown reaction."), redirect_to=back)
        if request.POST.get("on") == "1":
            return perform(
                request,
                lambda: services.reaction_add(actor=signed_in(request), comment=comment, kind=kind),
                success=_("Reaction added."),
                redirect_to=back,
            )
        return perform(
            request,
            lambda: services.reaction_remove(actor=signed_in(request), comment=comment, kind=kind),
            success=_("Reaction removed."),
            redirect_to=back,
        )
    raise Http404()


# Amendments and versions.


@page_view
@require_POST
def amendment_propose(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access_proposal(request.user, pk)
    back = _proposal_url(pk, "amendments")
    body = request.POST.get("body", "")[:BODY_MAX]
    title = request.POST.get("title", "")[:200].strip() or None
    reason = request.POST.get("reason", "")[:2000]
    if not body.strip():
        return form_refusal(request, _("Write the amended text."), redirect_to=back)
    return perform(
        request,
        lambda: services.amendment_propose(
            actor=signed_in(request),
            proposal=proposal,
            body=plain_to_html(body),
            title=title,
            reason=reason,
        ),
        success=_("Your amendment is proposed."),
        redirect_to=back,
    )


@page_view
@require_POST
def amendment_act(request: HttpRequest, pk: int, amendment_id: int, action: str) -> HttpResponse:
    amendment = access_amendment(request.user, amendment_id)
    back = _proposal_url(amendment.proposal_id, f"amendment-{amendment.pk}")
    note = request.POST.get("note", "")[:2000]
    if amendment.proposal_id != pk:
        raise Http404()
    if action == "accept":
        return perform(
            request,
            lambda: services.amendment_accept(
                actor=signed_in(request), amendment=amendment, note=note
            ),
            success=_("The amendment is accepted: a new version of the text is in force."),
            redirect_to=back,
        )
    if action == "reject":
        return perform(
            request,
            lambda: services.amendment_reject(
                actor=signed_in(request), amendment=amendment, note=note
            ),
            success=_("The amendment is rejected."),
            redirect_to=back,
        )
    if action == "withdraw":
        return perform(
            request,
            lambda: services.amendment_withdraw(actor=signed_in(request), amendment=amendment),
            success=_("Your amendment is withdrawn."),
            redirect_to=back,
        )
    raise Http404()


@page_view
def proposal_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    proposal = access_proposal(request.user, pk)
    role = proposal_role(request.user, proposal)
    version = selectors.proposal_version_get(proposal, number)
    difference = selectors.version_difference(proposal, number, None) if number > 1 else None
    context = {
        "proposal": proposal,
        "version": version,
        "difference": difference,
        "versions": selectors.proposal_versions(proposal),
    }
    return render_coop(
        request, "frontend/proposals/version.html", proposal.cooperative, role, "proposals", context
    )
