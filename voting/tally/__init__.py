"""Pure, exact tally engine: resolutions, majority judgment, Schulze, approval and consent."""

from core.percent import decimal_str, format_percent, percent_str
from voting.tally.approval import (
    ApprovalCollege,
    ApprovalCollegeResult,
    ApprovalResult,
    tally_approval,
)
from voting.tally.consent import (
    ConsentOutcome,
    ConsentResult,
    Objection,
    ObjectionId,
    ObjectionState,
    tally_consent,
)
from voting.tally.majority_judgment import (
    MJCollege,
    MJOptionResult,
    MJResult,
    tally_majority_judgment,
)
from voting.tally.resolution import tally_resolution
from voting.tally.resolution_types import (
    CollegeResult,
    QuorumBasis,
    ResolutionCollege,
    ResolutionExplanation,
    ResolutionOutcome,
    ResolutionResult,
    ResolutionTotals,
)
from voting.tally.schulze import RankedBallot, RankedCollege, SchulzeResult, tally_schulze
from voting.tally.types import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    AppliedEmptyCollegeRule,
    CollegeInput,
    EmptyCollegePolicy,
    MajorityBase,
    QuorumMode,
    ResolutionRules,
    TallyInputError,
    TallyMethod,
    Threshold,
    fraction_str,
)

__all__ = [
    "EXTRAORDINARY_MAJORITY",
    "ORDINARY_MAJORITY",
    "AppliedEmptyCollegeRule",
    "ApprovalCollege",
    "ApprovalCollegeResult",
    "ApprovalResult",
    "CollegeInput",
    "CollegeResult",
    "ConsentOutcome",
    "ConsentResult",
    "EmptyCollegePolicy",
    "MJCollege",
    "MajorityBase",
    "MJOptionResult",
    "MJResult",
    "Objection",
    "ObjectionId",
    "ObjectionState",
    "QuorumBasis",
    "QuorumMode",
    "RankedBallot",
    "RankedCollege",
    "ResolutionCollege",
    "ResolutionExplanation",
    "ResolutionOutcome",
    "ResolutionResult",
    "ResolutionRules",
    "ResolutionTotals",
    "SchulzeResult",
    "TallyInputError",
    "TallyMethod",
    "Threshold",
    "decimal_str",
    "format_percent",
    "fraction_str",
    "percent_str",
    "tally_approval",
    "tally_consent",
    "tally_majority_judgment",
    "tally_resolution",
    "tally_schulze",
]
