"""Every write to the governance model. Each one audits in its own transaction."""

from governance.errors import CollegesInvalid, MembershipStateError
from governance.services._common import BOARD_TERM_MAX_YEARS
from governance.services.access import observer_invite, observer_revoke, person_access_sync
from governance.services.board import (
    board_role_grant,
    board_role_renew,
    board_role_revoke,
    board_terms_expire,
)
from governance.services.cooperatives import (
    CollegeSpec,
    category_create,
    colleges_configure,
    cooperative_create,
)
from governance.services.memberships import (
    membership_admit,
    membership_apply,
    membership_exclude,
    membership_move_college,
    membership_refuse,
    membership_resign,
    membership_set_shares,
    representative_designate,
    representative_revoke,
)
from governance.services.rules import RULE_FIELDS, rules_update

__all__ = [
    "BOARD_TERM_MAX_YEARS",
    "RULE_FIELDS",
    "CollegeSpec",
    "CollegesInvalid",
    "MembershipStateError",
    "board_role_grant",
    "board_role_renew",
    "board_role_revoke",
    "board_terms_expire",
    "category_create",
    "colleges_configure",
    "cooperative_create",
    "membership_admit",
    "membership_apply",
    "membership_exclude",
    "membership_move_college",
    "membership_refuse",
    "membership_resign",
    "membership_set_shares",
    "observer_invite",
    "observer_revoke",
    "person_access_sync",
    "representative_designate",
    "representative_revoke",
    "rules_update",
]
