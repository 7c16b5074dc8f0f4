"""Reads for the vote pages: the booth, the result and the rules it applied."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from governance.models import (
    Cooperative,
    EmptyCollegePolicy,
    MajorityBase,
    QuorumMode,
    TallyMethod,
)
from governance.permissions import (
    CooperativeRole,
    Viewer,
)
from governance.selectors import decision_rules
from voting import selectors as voting_selectors
from voting.explain import explain
from voting.models import (
    Ballot,
    ConsentChoice,
    Decision,
    ResolutionChoice,
    Vote,
    VoteMethod,
    VoteStatus,
)
from voting.permissions import (
    can_manage_vote,
    can_read_roll,
    can_see_box,
    can_see_open_ballots,
    can_see_results,
    vote_visible_queryset,
)


def vote_list(person: Viewer, cooperative: Cooperative) -> Any:
    return vote_visible_queryset(person, cooperative).select_related("proposal").order_by("-id")


def _current_choices(vote: Vote, entries: list[Any]) -> dict[int, Any]:
    """The ballot that counts for each of the viewer's roll entries (open ballots only)."""
    if vote.is_secret or not entries:
        return {}
    rows = Ballot.objects.filter(vote=vote, is_current=True, roll_entry__in=entries).values_list(
        "roll_entry_id", "choice"
    )
    return dict(rows)


def frozen_rules(vote: Vote) -> Any:
    """The rules a vote opened with, for its decision kind (none before it opens)."""
    if vote.rules_version is None:
        return None
    return decision_rules(vote.rules_version, vote.decision_kind)


HOLDERS_SHOWN = 20


def eligible_holders(vote: Vote, own: set[int], search: str) -> list[Any]:
    """The first few roll entries whose member's name contains `search` and who may hold
    the viewer's proxy: not one the viewer acts for, and below the rules' cap
    (`voting.selectors.proxy_holder_search`, as the roll endpoint answers the script)."""
    return list(voting_selectors.proxy_holder_search(vote, search, exclude=own)[:HOLDERS_SHOWN])


def booth(
    person: Viewer, vote: Vote, role: CooperativeRole, *, holder_search: str = ""
) -> dict[str, Any]:
    """What the voting booth shows: as whom the viewer votes, their proxies, the options.
    The roll is never listed whole: possible proxy holders are the first few members whose
    name contains `holder_search` (the same search as the roll's API endpoint) and who may
    still take a proxy."""
    part = voting_selectors.participation(vote, person)
    choices = _current_choices(vote, part.members)
    for entry in part.members:
        entry.current_choice = choices.get(entry.pk)  # type: ignore[attr-defined]
    own = {entry.member_id for entry in part.members}
    rules = frozen_rules(vote)
    holders: list[Any] = []
    may_search = vote.status == VoteStatus.OPEN and can_read_roll(role) and bool(part.members)
    if may_search and holder_search:
        holders = eligible_holders(vote, own, holder_search)
    by_member = {entry.member_id: entry for entry in part.members}
    for proxy in part.proxies_given:
        principal = by_member.get(proxy.principal_id)
        # A principal who voted herself set the proxy aside: her own ballot counts and
        # the holder can no longer use it (voting.services.ballots).
        proxy.state = (  # type: ignore[attr-defined]
            "used"
            if principal is not None and principal.has_voted and principal.voted_via_proxy
            else "set_aside"
            if principal is not None and principal.has_voted
            else "live"
        )
    prefill = choices.get(part.members[0].pk) if len(part.members) == 1 else None
    context: dict[str, Any] = {
        "vote": vote,
        "entries": part.members,
        "proxies_held": part.proxies_held,
        "proxies_given": part.proxies_given,
        "holders": holders,
        "may_search_holders": may_search,
        "holder_search": holder_search,
        "holders_more": len(holders) == HOLDERS_SHOWN,
        "holders_shown": HOLDERS_SHOWN,
        "own_member_ids": sorted(own),
        "can_give_proxy": any(not entry.has_voted for entry in part.members),
        "rules": rules,
        "options": list(enumerate(vote.options)),
        "grades": list(enumerate(vote.grades)),
        "rank_numbers": list(range(1, len(vote.options) + 1)),
        "prefill": prefill,
        "prefill_grades": _prefill_grades(vote, prefill),
        "prefill_ranks": _prefill_ranks(vote, prefill),
        "can_manage": can_manage_vote(role),
        "results_visible": can_see_results(vote),
        "resolution_choices": ResolutionChoice.choices,
        "consent_choices": ConsentChoice.choices,
    }
    if vote.status in (VoteStatus.OPEN, VoteStatus.CLOSED):
        context["turnout"] = voting_selectors.vote_turnout(vote)
    if vote.is_secret and vote.status == VoteStatus.OPEN:
        # Members of a college too small for secrecy are told before they vote; the board
        # sees every such college.
        small = voting_selectors.small_colleges(vote)
        mine = {entry.vote_college_id for entry in part.members}
        context["small_college_names"] = [c.name for c in small if c.pk in mine or role.is_board]
        context["small_college_threshold"] = voting_selectors.small_college_threshold()
    if vote.method == VoteMethod.CONSENT:
        context["objections"] = list(voting_selectors.objection_list(vote))
    if role.is_board:
        context["all_proxies"] = list(voting_selectors.proxy_list(vote, person, role))
    return context


def _prefill_grades(vote: Vote, choice: Any) -> dict[int, int]:
    if vote.method != VoteMethod.MAJORITY_JUDGMENT or not isinstance(choice, dict):
        return {}
    index = {grade: i for i, grade in enumerate(vote.grades)}
    return {i: index[choice[o]] for i, o in enumerate(vote.options) if choice.get(o) in index}


def _prefill_ranks(vote: Vote, choice: Any) -> dict[int, int]:
    if vote.method != VoteMethod.RANKED or not isinstance(choice, list):
        return {}
    ranks: dict[int, int] = {}
    for rank, group in enumerate(choice, start=1):
        for option in group:
            if option in vote.options:
                ranks[vote.options.index(option)] = rank
    return ranks


def results(person: Viewer, vote: Vote, role: CooperativeRole) -> dict[str, Any]:
    """The result as stored at the close (or the live partial one), explained in the reader's
    language, with the rules it applied."""
    decision = Decision.objects.filter(vote=vote).first()
    result: dict[str, Any] | None = None
    if decision is not None:
        result = decision.result
    elif vote.status == VoteStatus.OPEN and can_see_results(vote):
        result = voting_selectors.vote_tally(vote).result
    context: dict[str, Any] = {
        "vote": vote,
        "decision": decision,
        "result": result,
        "is_partial": decision is None and result is not None,
        "explanation": explain(result["explanation_parts"]) if result else "",
        "rules": frozen_rules(vote),
        "can_manage": can_manage_vote(role),
        "box_visible": can_see_box(vote),
    }
    context["rules_summary"] = rules_summary(vote, context["rules"], result)
    if result is not None and result.get("method") == VoteMethod.RESOLUTION:
        from frontend.charts import college_key, weighted_key

        context["chart_key"] = {"colleges": college_key(result), "weighted": weighted_key(result)}
    if result is not None and can_see_open_ballots(vote, role):
        context["ballots"] = list(voting_selectors.open_ballot_list(vote)[:500])
    return context


def rules_summary(vote: Vote, rules: Any, result: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The rules a vote was counted under, in words: its frozen rules version for its kind."""
    from django.utils.translation import gettext as _

    from frontend.formatting import percent_text

    summary = [
        (_("Kind of decision"), str(vote.get_decision_kind_display())),
        (_("Way to decide"), str(vote.get_method_display())),
    ]
    if vote.rules_version is not None:
        summary.append((_("Rules version"), str(vote.rules_version.number)))
    if vote.college_config_version is not None:
        summary.append((_("Colleges and weights version"), str(vote.college_config_version.number)))
    if rules is None:
        return summary
    if vote.method == VoteMethod.RESOLUTION:
        threshold = percent_text(Fraction(rules.majority) * 100, 2)
        base = MajorityBase(rules.majority_base_for_call(vote.quorum_call))
        if base == MajorityBase.ALL_MEMBERS:
            majority = (
                _("more than %(threshold)s of all the members on the roll")
                if rules.majority_strict
                else _("at least %(threshold)s of all the members on the roll")
            )
        else:
            majority = (
                _("more than %(threshold)s of the weighted votes cast")
                if rules.majority_strict
                else _("at least %(threshold)s of the weighted votes cast")
            )
        summary += [
            (_("Majority required"), majority % {"threshold": threshold}),
            (_("Weighted tally"), str(TallyMethod(rules.tally_method).label)),
            (_("Base of the majority"), str(base.label)),
            (
                _("A college where nobody votes"),
                str(EmptyCollegePolicy(rules.empty_college_policy).label),
            ),
        ]
        applied = (result or {}).get("tally", {}).get("empty_college_policy_applied")
        empty = (result or {}).get("explanation_parts", {}).get("empty_college_names") or []
        if empty and applied:
            summary.append((_("Colleges without votes cast"), ", ".join(empty)))
    quorum = rules.quorum_for_call(vote.quorum_call)
    summary.append((_("Quorum counted"), str(QuorumMode(rules.quorum_mode).label)))
    summary.append(
        (
            _("Quorum required"),
            percent_text(Fraction(quorum) * 100, 2) if quorum is not None else _("none"),
        )
    )
    if rules.legal_reference:
        # The presets' references are in the catalog (their law citations stay as they
        # are, their explanations are translated); one the board wrote is shown as written.
        summary.append((_("Legal reference"), _(rules.legal_reference)))
    return summary
