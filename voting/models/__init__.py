"""Votes, frozen rolls, ballots (open and secret), proxies, objections and decisions.

Split by sub-domain; every model is re-exported here, where Django and the rest of the
code find it."""

from voting.models.ballots import Ballot as Ballot
from voting.models.ballots import CountedTracker as CountedTracker
from voting.models.ballots import SecretBallot as SecretBallot
from voting.models.ballots import UnlinkedSealedBallot as UnlinkedSealedBallot
from voting.models.decisions import Decision as Decision
from voting.models.keys import BallotKey as BallotKey
from voting.models.keys import KeyWrap as KeyWrap
from voting.models.keys import WrapMethod as WrapMethod
from voting.models.objections import Objection as Objection
from voting.models.objections import ObjectionState as ObjectionState
from voting.models.proxies import Proxy as Proxy
from voting.models.votes import ACTIVE_STATUSES as ACTIVE_STATUSES
from voting.models.votes import ConsentChoice as ConsentChoice
from voting.models.votes import ResolutionChoice as ResolutionChoice
from voting.models.votes import RollEntry as RollEntry
from voting.models.votes import Vote as Vote
from voting.models.votes import VoteBooth as VoteBooth
from voting.models.votes import VoteCollege as VoteCollege
from voting.models.votes import VoteMethod as VoteMethod
from voting.models.votes import VoteStatus as VoteStatus
