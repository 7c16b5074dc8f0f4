"""The JSON Schema of each event's data, by domain: proposals, votes and decisions,
assemblies, and the test message."""

from __future__ import annotations

from governance.vocabulary import QuorumMode
from webhooks.catalog.schema import (
    _BOOL,
    _COOPERATIVE,
    _COUNT,
    _DATE,
    _DATETIME,
    _FRACTION,
    _ID,
    _LINKS,
    _LINKS_API,
    _PERCENT,
    _SHA256,
    _URI,
    Schema,
    _enum,
    _integer,
    _nullable,
    _object,
    _open_object,
    _string,
)

_DECISION_KINDS = ["ordinary", "extraordinary", "advisory"]
_VOTE_METHODS = ["resolution", "majority_judgment", "approval", "ranked", "consent"]
_PROPOSAL_STATUSES = ["draft", "in_deliberation", "voting", "adopted", "rejected", "withdrawn"]
_OUTCOMES = [
    "adopted",
    "rejected",
    "blocked",
    "winner",
    "tie",
    "quorum_not_reached",
    "empty_college",
    "no_votes_cast",
]

# Governance.

_MEMBERSHIP = _object(
    {
        "cooperative": _COOPERATIVE,
        "membership": _object(
            {
                "id": _ID,
                "status": _enum(["applicant", "active", "refused", "resigned", "excluded"]),
                "started_on": _nullable(_DATE),
                "ended_on": _nullable(_DATE),
                "end_reason": _string(),
                "category": _string("Name of the legal category of associates."),
                "college": _nullable(_string("Name of the voting college, if any.")),
            }
        ),
        "member": _object(
            {
                "id": _ID,
                "kind": _enum(["natural", "legal"]),
                "name": _string(),
                "organisation_type": _nullable(
                    _enum(
                        ["association", "company", "local_authority", "public_body", "other"],
                        "For a legal person only.",
                    )
                ),
            }
        ),
        "links": _LINKS_API,
    }
)

_COLLEGE_WEIGHTS = _object(
    {
        "cooperative": _COOPERATIVE,
        "version": _integer("Number of the new colleges configuration version."),
        "colleges": {
            "type": "array",
            "items": _object(
                {
                    "id": _ID,
                    "name": _string(),
                    "weight_percent": _string(
                        "Weight of the college in percent, as a decimal string ('30.00')."
                    ),
                }
            ),
        },
    }
)

# Deliberation.

_PROPOSAL = _object(
    {
        "id": _ID,
        "title": _string(),
        "status": _enum(_PROPOSAL_STATUSES),
        "previous_status": _nullable(_enum(_PROPOSAL_STATUSES)),
        "decision_kind": _enum(_DECISION_KINDS),
        "visibility": _enum(["members", "members_and_observers", "board"]),
        "version": _integer("Number of the current version of the text."),
        "deliberation_opens_at": _nullable(_DATETIME),
        "deliberation_closes_at": _nullable(_DATETIME),
    },
    description="The proposal, without its text (read it through the API).",
)
_PROPOSAL_EVENT = _object(
    {
        "cooperative": _COOPERATIVE,
        "proposal": _PROPOSAL,
        "links": _LINKS,
        "decision_id": _integer("The decision that adopted or rejected the proposal."),
    },
    optional=["decision_id"],
)

# Voting.

_PROPOSAL_REF = _nullable(
    _object(
        {"id": _ID, "title": _string()},
        description="The proposal voted on; null for a standalone poll.",
    )
)
_VOTE_FIELDS: dict[str, Schema] = {
    "id": _ID,
    "title": _string(),
    "method": _enum(_VOTE_METHODS),
    "decision_kind": _enum(_DECISION_KINDS),
    "is_secret": _BOOL,
}
_VOTE_REF = _object(
    {
        **_VOTE_FIELDS,
        "opened_at": _nullable(_DATETIME),
        "closes_at": _nullable(_DATETIME),
        "closed_at": _nullable(_DATETIME),
        "rules_version": _nullable(_integer("Governance rules version frozen at opening.")),
        "college_config_version": _nullable(
            _integer("Colleges configuration version frozen at opening.")
        ),
    },
    description="The vote.",
)
_VOTE_OPENED = _object(
    {
        "cooperative": _COOPERATIVE,
        "proposal": _PROPOSAL_REF,
        "vote": {
            **_VOTE_REF,
            "properties": {
                **_VOTE_REF["properties"],
                "eligible": {**_COUNT, "description": "Members on the frozen roll."},
            },
            "required": [*_VOTE_REF["required"], "eligible"],
        },
        "links": _LINKS,
    }
)
_AUDIT_ANCHOR = _object(
    {
        "position": {**_COUNT, "description": "Position of the audit log's last entry."},
        "hash": {**_SHA256, "description": "Hash of that entry."},
    },
    description="The audit log's head when the event was recorded. Keep it: "
    "`python manage.py verify_audit --anchor POSITION:HASH` proves later that the log "
    "still holds that entry, and everything before it, unchanged.",
)
_VOTE_CLOSED = _object(
    {
        "cooperative": _COOPERATIVE,
        "proposal": _PROPOSAL_REF,
        "vote": _VOTE_REF,
        "decision": _object({"id": _ID, "outcome": _enum(_OUTCOMES), "adopted": _BOOL}),
        "links": _LINKS,
        "audit_anchor": _AUDIT_ANCHOR,
    },
    optional=["audit_anchor"],
)
_QUORUM = _object(
    {
        "mode": _enum(QuorumMode.values),
        "required": _nullable(_FRACTION),
        "ratio": _FRACTION,
        "ratio_pct": _PERCENT,
        "reached": _BOOL,
        "lowest_college": _nullable(_string("In per-college mode: the college key deciding.")),
        "lowest_college_name": _nullable(_string()),
        "basis": {
            **_enum(["ballots", "attendance"]),
            "description": "What the quorum counted: the ballots of this vote, or the "
            "attendance of the assembly call it belongs to.",
        },
    },
    description="Turnout against the quorum of the rules.",
)
_RESULT = _object(
    {
        "method": _enum(_VOTE_METHODS),
        "outcome": _enum(_OUTCOMES),
        "adopted": _BOOL,
        "colleges": {
            "type": "array",
            "description": "Each college on the frozen roll: weight, eligible and voted.",
            "items": _object(
                {
                    "key": _string(),
                    "name": _string(),
                    "weight": _FRACTION,
                    "weight_pct": _PERCENT,
                    "eligible": _COUNT,
                    "voted": _COUNT,
                }
            ),
        },
        "quorum": _QUORUM,
        "tally": _open_object(
            "The tally of the method, per college and overall, in exact fractions. For a "
            "resolution: support, against, majority, base of the majority, rules applied, "
            "totals and, per college, yes, no, abstain, share, weight, effective weight and "
            "weighted contribution. When a college without votes fails the resolution, "
            "support and against are null and informative_support holds the computed figure, "
            "for information only."
        ),
        "explanation_parts": _open_object(
            "The facts the plain-language explanation is worded from."
        ),
    },
    description="The full result as stored at the close, per college and overall.",
)
_DECISION = _object(
    {
        "cooperative": _COOPERATIVE,
        "proposal": _PROPOSAL_REF,
        "decision": _object(
            {
                "id": _ID,
                "outcome": _enum(_OUTCOMES),
                "adopted": _BOOL,
                "decided_at": _DATETIME,
                "explanation": _string("The rules applied, in plain language (English)."),
            },
            description="The decision recorded at the close of the vote.",
        ),
        "vote": _object(_VOTE_FIELDS, description="The vote and its method."),
        "result": _RESULT,
        "rules_version": _integer("Number of the governance rules version the vote applied."),
        "college_config_version": _nullable(
            _integer("Number of the colleges configuration the vote applied.")
        ),
        "audit_hash": {
            **_SHA256,
            "description": "Hash (HMAC-SHA-256) of the audit log entry that closed the vote.",
        },
        "links": _LINKS,
        "audit_anchor": _AUDIT_ANCHOR,
    },
    optional=["audit_anchor"],
)

# Assemblies.

_ASSEMBLY_FIELDS: dict[str, Schema] = {
    "id": _ID,
    "kind": _enum(["ordinary", "extraordinary"]),
    "title": _string(),
    "status": _enum(["draft", "convened", "in_session", "adjourned", "closed", "cancelled"]),
    "current_call": _nullable(_integer("1 for the first call, 2 for the second.")),
    "rules_version": _nullable(_integer()),
}
_CALL = _object(
    {
        "number": _integer(),
        "scheduled_at": _DATETIME,
        "place": _string(),
        "remote_url": _string(),
        "status": _enum(
            ["scheduled", "convened", "quorum_reached", "quorum_not_reached", "cancelled"]
        ),
        "convened_at": _nullable(_DATETIME),
    },
    description="The call (first or second convocation) concerned.",
)
_ATTENDANCE_COUNTS: dict[str, Schema] = {
    "eligible": _COUNT,
    "present": _COUNT,
    "remote": _COUNT,
    "represented": _COUNT,
    "postal": _COUNT,
    "attending": _COUNT,
}
_ATTENDANCE = _object(
    {
        "call": _integer(),
        **_ATTENDANCE_COUNTS,
        "colleges": {
            "type": "array",
            "items": _object(
                {"key": _string(), "name": _string(), "weight": _FRACTION, **_ATTENDANCE_COUNTS}
            ),
        },
        "quorum": _object(
            {
                "mode": _enum(QuorumMode.values),
                "required": _nullable(_FRACTION),
                "ratio": _FRACTION,
                "ratio_pct": _PERCENT,
                "reached": _BOOL,
                "lowest_college_name": _nullable(_string()),
            }
        ),
    },
    description="Attendance at the opening: present, remote, represented and postal apart.",
)
_ASSEMBLY_CONVENED = _object(
    {
        "cooperative": _COOPERATIVE,
        "assembly": _object(_ASSEMBLY_FIELDS),
        "call": _CALL,
        "recipients": {**_COUNT, "description": "Members convened."},
        "links": _LINKS_API,
    }
)
_ASSEMBLY_OPENED = _object(
    {
        "cooperative": _COOPERATIVE,
        "assembly": _object({**_ASSEMBLY_FIELDS, "opened_at": _DATETIME}),
        "call": _CALL,
        "attendance": _ATTENDANCE,
        "links": _LINKS_API,
    }
)
_ASSEMBLY_CLOSED = _object(
    {
        "cooperative": _COOPERATIVE,
        "assembly": _object(
            {**_ASSEMBLY_FIELDS, "opened_at": _nullable(_DATETIME), "closed_at": _DATETIME}
        ),
        "links": _object({"api": _URI, "minutes": _URI}, optional=["minutes"]),
        "minutes": _object(
            {
                "links": _object({"api": _URI, "html": _URI, "pdf": _URI}),
                "pdf_sha256": _SHA256,
                "html_sha256": _SHA256,
                "audit_hash": _SHA256,
            },
            description="The minutes (procès-verbal), their digests and the audit entry.",
        ),
        "audit_anchor": _AUDIT_ANCHOR,
    },
    optional=["minutes", "audit_anchor"],
)

_TEST = _object(
    {
        "cooperative": _COOPERATIVE,
        "endpoint": _object({"id": _ID}),
        "message": _string("A fixed sentence saying this is a test."),
    }
)
