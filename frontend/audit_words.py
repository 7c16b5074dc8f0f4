"""The audit log in words: each entry told as a sentence in the reader's language
("Claire Martin a admis Léa Dubois dans le collège Clients"), from its verb and the facts
the entry recorded. The codes and hashes stay available beside the sentence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import AuditEntry
from frontend.formatting import percent_text

# A person filter naming more people than this is too vague to be useful.
PEOPLE_MATCHED = 200

# The kinds of act a reader filters on, each a set of verb prefixes.
KINDS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "members": (
        gettext_lazy("Members and roles"),
        ("membership.", "representative.", "observer.", "board_role.", "category."),
    ),
    "statutes": (
        gettext_lazy("Colleges and rules"),
        ("cooperative.", "colleges.", "college.", "rules."),
    ),
    "debate": (
        gettext_lazy("Proposals and debate"),
        ("proposal.", "amendment.", "comment.", "objection."),
    ),
    "votes": (gettext_lazy("Votes and decisions"), ("vote.", "ballot.", "proxy.", "decision.")),
    "assemblies": (gettext_lazy("General assemblies"), ("assembly.",)),
    "webhooks": (gettext_lazy("Webhooks"), ("webhook_endpoint.", "webhook_message.")),
    "log": (gettext_lazy("The log itself"), ("audit.",)),
}

# One sentence per act; %(actor)s is who acted, the other names come from the entry.
SENTENCES: dict[str, Promise] = {
    "cooperative.created": gettext_lazy("%(actor)s created the cooperative %(name)s."),
    "colleges.configured": gettext_lazy(
        "%(actor)s set the colleges and their weights (version %(number)s): %(weights)s."
    ),
    "college.weights_changed": gettext_lazy("%(actor)s changed the weights of the colleges."),
    "rules.updated": gettext_lazy("%(actor)s changed the governance rules."),
    "category.created": gettext_lazy("%(actor)s created the category %(name)s."),
    "membership.applied": gettext_lazy(
        "%(actor)s recorded the application of %(member)s to the %(college)s college."
    ),
    "membership.admitted": gettext_lazy(
        "%(actor)s admitted %(member)s to the %(college)s college."
    ),
    "membership.refused": gettext_lazy("%(actor)s refused the application of %(member)s."),
    "membership.moved": gettext_lazy("%(actor)s moved %(member)s to the %(college)s college."),
    "membership.ended": gettext_lazy("%(actor)s ended the membership of %(member)s."),
    "membership.shares_changed": gettext_lazy("%(actor)s changed the shares of %(member)s."),
    "representative.designated": gettext_lazy(
        "%(actor)s designated %(person)s to represent %(member)s."
    ),
    "representative.revoked": gettext_lazy(
        "%(actor)s ended %(person)s's mandate to represent %(member)s."
    ),
    "observer.invited": gettext_lazy(
        "%(actor)s invited %(person)s as an observer for %(organisation)s."
    ),
    "observer.revoked": gettext_lazy("%(actor)s removed the observer %(person)s."),
    "board_role.granted": gettext_lazy("%(actor)s gave %(person)s a seat on the board."),
    "board_role.renewed": gettext_lazy("%(actor)s renewed the board seat of %(person)s."),
    "board_role.revoked": gettext_lazy("%(actor)s ended the board seat of %(person)s."),
    "board_role.term_ended": gettext_lazy("The board term of %(person)s ended."),
    "proposal.created": gettext_lazy("%(actor)s wrote the proposal “%(title)s”."),
    "proposal.updated": gettext_lazy("%(actor)s changed the proposal “%(title)s”."),
    "proposal.published": gettext_lazy("%(actor)s opened the debate on “%(title)s”."),
    "proposal.voting_started": gettext_lazy("The vote on “%(title)s” began."),
    "proposal.adopted": gettext_lazy("The proposal “%(title)s” was adopted."),
    "proposal.rejected": gettext_lazy("The proposal “%(title)s” was rejected."),
    "proposal.withdrawn": gettext_lazy("%(actor)s withdrew the proposal “%(title)s”."),
    "proposal.status_changed": gettext_lazy("The proposal “%(title)s” changed status."),
    "proposal.moderator_granted": gettext_lazy("%(actor)s named a moderator of “%(title)s”."),
    "proposal.moderator_revoked": gettext_lazy("%(actor)s removed a moderator of “%(title)s”."),
    "amendment.proposed": gettext_lazy("%(actor)s proposed an amendment."),
    "amendment.accepted": gettext_lazy("%(actor)s accepted an amendment."),
    "amendment.rejected": gettext_lazy("%(actor)s rejected an amendment."),
    "amendment.withdrawn": gettext_lazy("%(actor)s withdrew an amendment."),
    "comment.hidden": gettext_lazy("%(actor)s hid a comment."),
    "comment.unhidden": gettext_lazy("%(actor)s showed a hidden comment again."),
    "comment.deleted": gettext_lazy("%(actor)s deleted a comment."),
    "objection.raised": gettext_lazy("%(actor)s raised an objection."),
    "vote.created": gettext_lazy("%(actor)s prepared a vote (%(method)s)."),
    "vote.scheduled": gettext_lazy("%(actor)s set when a vote opens and closes."),
    "vote.schedule_failed": gettext_lazy("A vote could not open or close at its set time."),
    "vote.opened": gettext_lazy("%(actor)s opened a vote: %(eligible)s members on the roll."),
    "vote.closed": gettext_lazy("%(actor)s closed a vote: %(outcome)s."),
    "vote.cancelled": gettext_lazy("%(actor)s cancelled a vote."),
    "ballot.cast": gettext_lazy("%(actor)s voted."),
    "proxy.given": gettext_lazy("%(actor)s gave a proxy."),
    "proxy.revoked": gettext_lazy("%(actor)s revoked a proxy."),
    "assembly.created": gettext_lazy("%(actor)s prepared the assembly “%(title)s”."),
    "assembly.updated": gettext_lazy("%(actor)s changed an assembly."),
    "assembly.agenda_item_added": gettext_lazy(
        "%(actor)s put “%(title)s” on an assembly's agenda."
    ),
    "assembly.agenda_item_removed": gettext_lazy("%(actor)s took an item off an agenda."),
    "assembly.document_added": gettext_lazy("%(actor)s added the document “%(title)s”."),
    "assembly.candidate_added": gettext_lazy("%(person)s stood as a candidate."),
    "assembly.convened": gettext_lazy("%(actor)s convened the assembly (call %(call)s)."),
    "assembly.convocations_resent": gettext_lazy("%(actor)s sent the convocations again."),
    "assembly.opened": gettext_lazy("%(actor)s opened the assembly."),
    "assembly.closed": gettext_lazy("%(actor)s closed the assembly."),
    "assembly.cancelled": gettext_lazy("%(actor)s cancelled the assembly."),
    "assembly.quorum_not_reached": gettext_lazy("The quorum was not reached."),
    "assembly.checked_in": gettext_lazy("%(actor)s recorded an arrival at the desk."),
    "assembly.checked_out": gettext_lazy("%(actor)s recorded a departure at the desk."),
    "assembly.item_opened": gettext_lazy("%(actor)s opened an item of the agenda."),
    "assembly.item_closed": gettext_lazy("%(actor)s closed an item of the agenda."),
    "assembly.election_declared": gettext_lazy("%(actor)s declared the result of an election."),
    "assembly.proxy_given": gettext_lazy("%(actor)s gave a proxy for the assembly."),
    "assembly.proxy_revoked": gettext_lazy("%(actor)s revoked a proxy for the assembly."),
    "assembly.postal_vote_recorded": gettext_lazy("%(actor)s voted by post."),
    "assembly.attendance_intent": gettext_lazy("%(actor)s said how they will attend."),
    "assembly.minutes_generated": gettext_lazy("%(actor)s wrote the minutes."),
    "assembly.minutes_signed": gettext_lazy("%(actor)s signed the minutes."),
    "assembly.minutes_signed_by_bureau": gettext_lazy("The bureau signed the minutes."),
    "webhook_endpoint.created": gettext_lazy("%(actor)s connected a webhook endpoint."),
    "webhook_endpoint.updated": gettext_lazy("%(actor)s changed a webhook endpoint."),
    "webhook_endpoint.deleted": gettext_lazy("%(actor)s removed a webhook endpoint."),
    "webhook_endpoint.enabled": gettext_lazy("%(actor)s enabled a webhook endpoint."),
    "webhook_endpoint.disabled": gettext_lazy("A webhook endpoint was disabled."),
    "webhook_endpoint.secret_rotated": gettext_lazy("%(actor)s renewed a webhook's secret."),
    "webhook_endpoint.test_sent": gettext_lazy("%(actor)s sent a test webhook."),
    "webhook_message.replayed": gettext_lazy("%(actor)s sent a webhook message again."),
    "webhook_message.replayed_failed": gettext_lazy(
        "%(actor)s sent failed webhook messages again."
    ),
    "audit.key_rotated": gettext_lazy("The audit key was renewed."),
    "audit.keyed_from_here": gettext_lazy("From here on, the log's entries are keyed."),
}


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    sentence: str
    kind: str


class _Facts(dict[str, str]):
    """The names a sentence needs; a fact the entry did not record reads as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def kind_of(verb: str) -> str:
    for key, (_label, prefixes) in KINDS.items():
        if verb.startswith(prefixes):
            return key
    return ""


def kind_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _prefixes) in KINDS.items()]


def filtered(entries: QuerySet[AuditEntry], *, kind: str, person: str) -> QuerySet[AuditEntry]:
    """Entries of one kind, by or about one person (a name or user name, in part)."""
    if kind in KINDS:
        match = Q()
        for prefix in KINDS[kind][1]:
            match |= Q(verb__startswith=prefix)
        entries = entries.filter(match)
    if person:
        from governance.models import Person

        people = list(
            Person.objects.filter(
                Q(display_name__icontains=person) | Q(username__icontains=person)
            ).values_list("pk", "username", "display_name")[:PEOPLE_MATCHED]
        )
        entries = entries.filter(
            Q(actor_id__in=[pk for pk, _u, _d in people])
            | Q(data__member__in=[d for _p, _u, d in people if d])
            | Q(data__person__in=[u for _p, u, _d in people])
            | Q(data__member__icontains=person)
        )
    return entries


def _people_names(usernames: set[str]) -> dict[str, str]:
    from governance.models import Person

    return {
        p.username: p.display_name or p.username
        for p in Person.objects.filter(username__in=usernames).only("username", "display_name")
    }


def _membership_colleges(ids: set[int]) -> dict[str, str]:
    from governance.models import Membership

    return {
        str(m.pk): m.college.name if m.college else "—"
        for m in Membership.objects.filter(pk__in=ids).select_related("college")
    }


def _titles(entries: list[AuditEntry]) -> dict[int, str]:
    from deliberation.models import Proposal

    ids = {
        int(e.data["proposal_id"])
        for e in entries
        if isinstance(e.data, dict) and str(e.data.get("proposal_id") or "").isdigit()
    }
    return dict(Proposal.objects.filter(pk__in=ids).values_list("pk", "title"))


def describe(entries: Iterable[AuditEntry]) -> list[AuditLine]:
    """Each entry as a sentence, with a fixed number of queries for the whole page."""
    from voting.models import VoteMethod

    entries = list(entries)
    usernames = {
        str(e.data["person"]) for e in entries if isinstance(e.data, dict) and e.data.get("person")
    }
    people = _people_names(usernames)
    memberships = _membership_colleges(
        {
            int(e.target_id)
            for e in entries
            if e.target_type == "governance.membership" and e.target_id.isdigit()
        }
    )
    titles = _titles(entries)
    methods = dict(VoteMethod.choices)
    lines = []
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        facts = _Facts(
            {
                key: str(value)
                for key, value in data.items()
                if isinstance(value, str | int) and not isinstance(value, bool)
            }
        )
        facts["actor"] = (
            (entry.actor.display_name or entry.actor.username) if entry.actor else _("The system")
        )
        if "person" in data:
            facts["person"] = people.get(str(data["person"]), str(data["person"]))
        if entry.target_type == "governance.membership" and "college" not in data:
            facts["college"] = memberships.get(entry.target_id, "—")
        if "title" not in data and str(data.get("proposal_id") or "").isdigit():
            facts["title"] = titles.get(int(data["proposal_id"]), "—")
        if "method" in data:
            facts["method"] = str(methods.get(data["method"], data["method"])).lower()
        if "outcome" in data:
            facts["outcome"] = _("adopted") if data.get("adopted") else _("not adopted")
        if isinstance(data.get("weights"), list):
            facts["weights"] = ", ".join(
                f"{w.get('college')} {percent_text(Decimal(str(w.get('weight') or 0)))}"
                for w in data["weights"]
                if isinstance(w, dict)
            )
        template = SENTENCES.get(entry.verb)
        sentence = (
            str(template) % facts
            if template is not None
            else _("%(actor)s: %(act)s") % {"actor": facts["actor"], "act": entry.verb}
        )
        lines.append(AuditLine(entry=entry, sentence=sentence, kind=kind_of(entry.verb)))
    return lines
