"""The electoral board and its key ceremony (Belenios' threshold key establishment), each
step checked by the server as the trustees post it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_append
from elections.errors import (
    CeremonyOutOfOrder,
    CeremonyStepRefused,
    ElectoralBoardYearTaken,
    TrusteeNotEligible,
)
from elections.models import BoardStatus, ElectoralBoard, Trustee, TrusteeRole
from elections.permissions import access_trustee
from elections.selectors import ceremony_step, trustee_candidates
from governance.models import Cooperative, Person
from governance.permissions import require_board
from verifiable.crypto import Proof
from verifiable.formats import dumps
from verifiable.group import DESCRIPTION, GroupError, Point, parse_scalar
from verifiable.threshold import verification_keys, verify_signature
from verifiable.verify_common import VerificationError
from verifiable.verify_setup import SetupChecks

DEFAULT_THRESHOLD = 3


def _audit(actor: Any, verb: str, board: ElectoralBoard, **data: Any) -> None:
    audit_append(
        actor=actor,
        verb=verb,
        target=board,
        cooperative_id=board.cooperative_id,
        data={"electoral_board_id": board.pk, **data},
    )


@transaction.atomic
def electoral_board_create(
    *,
    actor: Person,
    cooperative: Cooperative,
    year: int,
    members: Sequence[tuple[Person, str]],
    threshold: int = DEFAULT_THRESHOLD,
    name: str = "",
    bulletin_public: bool = False,
) -> ElectoralBoard:
    """Name the electoral board of a year: (person, role) pairs, a chair first by custom,
    numbered in the order given; any `threshold` of them will decrypt. Board only; the
    trustees are people of the cooperative (`trustee_candidates`)."""
    require_board(actor, cooperative)
    people = [p.pk for p, _role in members]
    if len(set(people)) != len(people):
        raise CeremonyStepRefused(_("A person sits only once on the electoral board."))
    eligible = {p.pk for p in trustee_candidates(cooperative, pks=people)}
    if outsiders := [pk for pk in people if pk not in eligible]:
        raise TrusteeNotEligible(details={"person_ids": outsiders})
    if not 2 <= threshold <= len(members):
        raise CeremonyStepRefused(
            _("The threshold must be between 2 and the number of trustees (%(n)s).")
            % {"n": len(members)}
        )
    if [r for _p, r in members].count(TrusteeRole.CHAIR) != 1:
        raise CeremonyStepRefused(_("The electoral board has exactly one chair."))
    if ElectoralBoard.objects.filter(cooperative=cooperative, year=year).exists():
        # The constraint eboard_one_per_year still holds against two boards named at once.
        raise ElectoralBoardYearTaken(details={"year": year})
    board = ElectoralBoard.objects.create(
        cooperative=cooperative,
        year=year,
        name=name or _("Electoral board %(year)s") % {"year": year},
        threshold=threshold,
        size=len(members),
        bulletin_public=bulletin_public,
    )
    Trustee.objects.bulk_create(
        Trustee(board=board, person=person, role=TrusteeRole(role), index=i)
        for i, (person, role) in enumerate(members, start=1)
    )
    _audit(actor, "e2e.board_named", board, size=board.size, threshold=threshold)
    return board


def _locked(board: ElectoralBoard) -> tuple[ElectoralBoard, list[Trustee]]:
    board = ElectoralBoard.objects.select_for_update().get(pk=board.pk)
    return board, list(board.trustees.order_by("index"))


def _require_step(board: ElectoralBoard, trustees: list[Trustee], step: str) -> None:
    if ceremony_step(board, trustees) != step:
        raise CeremonyOutOfOrder()


def _proof(value: Any) -> Proof:
    if not isinstance(value, dict) or list(value) != ["challenge", "response"]:
        raise GroupError("a proof has a challenge and a response")
    return Proof(parse_scalar(value["challenge"]), parse_scalar(value["response"]))


def _signed_by(vk: Point, signed: Any, what: str) -> str:
    try:
        if not isinstance(signed, dict) or list(signed) != ["message", "signature"]:
            raise GroupError("not a signed message")
        if not verify_signature(vk, signed["message"], _proof(signed["signature"])):
            raise GroupError("the signature fails")
    except (GroupError, TypeError) as exc:
        raise CeremonyStepRefused(
            _("%(what)s: %(problem)s") % {"what": what, "problem": exc}
        ) from exc
    return str(signed["message"])


def _verification(trustee: Trustee) -> Point:
    assert trustee.certificate is not None
    return Point.parse(json.loads(trustee.certificate["message"])["verification"])


@transaction.atomic
def trustee_post_certificate(
    *, actor: Person, board: ElectoralBoard, certificate: dict[str, Any]
) -> Trustee:
    """Step 1: the trustee's signing and encryption keys, signed, in its context."""
    board, trustees = _locked(board)
    trustee = access_trustee(actor, board)
    _require_step(board, trustees, "certificates")
    if trustee.certificate is not None:
        raise CeremonyOutOfOrder()
    try:
        keys = json.loads(certificate["message"])
        context = {
            "group": DESCRIPTION,
            "size": board.size,
            "threshold": board.threshold,
            "index": trustee.index,
        }
        if keys.get("context") != context or dumps(keys) != certificate["message"]:
            raise GroupError("the certificate's context is not this board's")
        vk = Point.parse(keys["verification"])
        Point.parse(keys["encryption"])
    except (GroupError, TypeError, KeyError, ValueError) as exc:
        raise CeremonyStepRefused(str(exc)) from exc
    _signed_by(vk, certificate, _("The certificate"))
    trustee.certificate = certificate
    trustee.save(update_fields=["certificate"])
    _audit(actor, "e2e.ceremony_certificate", board, index=trustee.index)
    return trustee


@transaction.atomic
def trustee_post_commitments(
    *,
    actor: Person,
    board: ElectoralBoard,
    coefexps: dict[str, Any],
    signature: dict[str, Any],
    shares: list[dict[str, str]],
) -> Trustee:
    """Step 2: signed commitments to the trustee's polynomial, its signature over every
    certificate with them, and one share per trustee encrypted to that trustee."""
    board, trustees = _locked(board)
    trustee = access_trustee(actor, board)
    _require_step(board, trustees, "commitments")
    if trustee.coefexps is not None:
        raise CeremonyOutOfOrder()
    vk = _verification(trustee)
    message = _signed_by(vk, coefexps, _("The commitments"))
    certs = [t.certificate for t in trustees]
    try:
        row = json.loads(message)["coefexps"]
        if len(row) != board.threshold or dumps({"coefexps": row}) != message:
            raise GroupError("the polynomial is not of the board's degree")
        for a in row:
            Point.parse(a)
        certs_sig = "certs_sig|" + dumps({"certs": certs, "coefexps": row})
        if not verify_signature(vk, certs_sig, _proof(signature)):
            raise GroupError("the signature over the certificates fails")
        if len(shares) != board.size:
            raise GroupError("one share per trustee")
        for share in shares:
            if list(share) != ["ephemeral", "box"] or not isinstance(share["box"], str):
                raise GroupError("a share is an ephemeral key and a box")
            Point.parse(share["ephemeral"])
    except (GroupError, TypeError, KeyError, ValueError) as exc:
        raise CeremonyStepRefused(str(exc)) from exc
    trustee.coefexps, trustee.certs_signature, trustee.shares = coefexps, signature, shares
    trustee.save(update_fields=["coefexps", "certs_signature", "shares"])
    _audit(actor, "e2e.ceremony_commitments", board, index=trustee.index)
    return trustee


@transaction.atomic
def trustee_post_verification_key(
    *, actor: Person, board: ElectoralBoard, verification_key: dict[str, Any]
) -> Trustee:
    """Step 3: g^S_j with its proof of knowledge and signature. The server checks it is the
    key the commitments derive; with the last one it checks the whole parameters as a
    verifier would and derives the election key."""
    board, trustees = _locked(board)
    trustee = access_trustee(actor, board)
    _require_step(board, trustees, "verification_keys")
    if trustee.verification_key is not None:
        raise CeremonyOutOfOrder()
    rows = [
        [Point.parse(a) for a in json.loads(t.coefexps["message"])["coefexps"]] for t in trustees
    ]
    expected = verification_keys(rows)[trustee.index - 1]
    try:
        if list(verification_key) != ["pok", "public_key", "signature"]:
            raise GroupError("a verification key has a proof, a key and a signature")
        if Point.parse(verification_key["public_key"]) != expected:
            raise GroupError("the key is not the one the commitments derive")
    except (GroupError, TypeError) as exc:
        raise CeremonyStepRefused(str(exc)) from exc
    trustee.verification_key = verification_key
    checker = SetupChecks()
    try:
        checker._single(verification_key, _("the verification key"))
        if not verify_signature(
            _verification(trustee), str(expected), _proof(verification_key["signature"])
        ):
            raise CeremonyStepRefused(_("The verification key is not signed by its trustee."))
    except (VerificationError, GroupError) as exc:
        raise CeremonyStepRefused(str(exc)) from exc
    trustee.save(update_fields=["verification_key"])
    _audit(actor, "e2e.ceremony_verification_key", board, index=trustee.index)
    trustees[trustee.index - 1] = trustee
    if all(t.verification_key is not None for t in trustees):
        _complete(actor, board, trustees)
    return trustee


def _complete(actor: Person, board: ElectoralBoard, trustees: list[Trustee]) -> None:
    parameters = {
        "threshold": board.threshold,
        "certs": [t.certificate for t in trustees],
        "coefexps": [t.coefexps for t in trustees],
        "signatures": [t.certs_signature for t in trustees],
        "verification_keys": [t.verification_key for t in trustees],
    }
    try:
        _vks, public_key, _threshold = SetupChecks()._pedersen(parameters)
    except VerificationError as exc:
        raise CeremonyStepRefused(exc.message) from exc
    board.parameters = dumps(parameters)
    board.public_key = str(public_key)
    board.status = BoardStatus.READY
    board.save(update_fields=["parameters", "public_key", "status"])
    _audit(actor, "e2e.board_key", board, public_key=board.public_key)
