"""The governance model of a multi-stakeholder cooperative, as its statutes describe it.

Split by sub-domain; every model is re-exported here, where Django and the rest of the
code find it."""

from governance.models.board import BoardRole as BoardRole
from governance.models.board import BoardRoleKind as BoardRoleKind
from governance.models.board import BoardRoleQuerySet as BoardRoleQuerySet
from governance.models.board import Observer as Observer
from governance.models.cooperatives import Category as Category
from governance.models.cooperatives import CategoryKind as CategoryKind
from governance.models.cooperatives import College as College
from governance.models.cooperatives import CollegeConfigVersion as CollegeConfigVersion
from governance.models.cooperatives import CollegeWeight as CollegeWeight
from governance.models.cooperatives import Cooperative as Cooperative
from governance.models.cooperatives import CooperativeGroupPermission as CooperativeGroupPermission
from governance.models.cooperatives import CooperativeUserPermission as CooperativeUserPermission
from governance.models.cooperatives import DecisionKind as DecisionKind
from governance.models.cooperatives import LegalForm as LegalForm
from governance.models.members import OPEN_STATUSES as OPEN_STATUSES
from governance.models.members import Member as Member
from governance.models.members import MemberKind as MemberKind
from governance.models.members import Membership as Membership
from governance.models.members import MembershipStatus as MembershipStatus
from governance.models.members import OrganisationType as OrganisationType
from governance.models.members import Representative as Representative
from governance.models.people import Person as Person
from governance.models.rules import DecisionRules as DecisionRules
from governance.models.rules import RulesVersion as RulesVersion

# The rules' vocabularies live in governance.vocabulary, where the tally engine reads them too.
from governance.vocabulary import EmptyCollegePolicy as EmptyCollegePolicy
from governance.vocabulary import MajorityBase as MajorityBase
from governance.vocabulary import QuorumMode as QuorumMode
from governance.vocabulary import TallyMethod as TallyMethod
