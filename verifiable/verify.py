"""Re-check one Belenios election archive from its public data alone.

Written against the Belenios 3.3.0 specification: the archive's names and event chain,
the setup (trustee keys and their proofs, the election key), every ballot (canonical
form, election binding, credential, signature, proofs), the last-ballot rule, the
encrypted tally, each partial decryption's proofs and the result. It shares only the group,
the hashes and the proof checks with the code that writes elections.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import crypto
from .archive import read_members
from .crypto import Ciphertext, Proof
from .formats import dumps
from .group import IDENTITY, GroupError, Point, hex_to_b64, parse_scalar, sha256_b64
from .threshold import verification_keys, verify_signature


class VerificationError(Exception):
    """A refusal, with a stable machine code and a sentence naming the artefact."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Report:
    uuid: str
    fingerprint: str
    result: list[list[int]] | None
    num_tallied: int | None
    total_weight: int | None
    trackers: list[str] = field(default_factory=list)
    ballots_accepted: int = 0


def _fail(code: str, message: str) -> VerificationError:
    return VerificationError(code, message)


def _canonical(text: str, what: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _fail("not_json", f"{what} is not JSON") from exc
    if dumps(value) != text:
        raise _fail("not_canonical", f"{what} is not in Belenios' canonical form")
    return value


def _point(text: Any, what: str) -> Point:
    try:
        return Point.parse(text)
    except GroupError as exc:
        raise _fail("bad_point", f"{what}: {exc}") from exc


def _proof(value: Any, what: str) -> Proof:
    try:
        if list(value) != ["challenge", "response"]:
            raise GroupError("a proof has a challenge and a response")
        return Proof(parse_scalar(value["challenge"]), parse_scalar(value["response"]))
    except (GroupError, TypeError) as exc:
        raise _fail("bad_proof", f"{what}: {exc}") from exc


def _ciphertext(value: Any, what: str) -> Ciphertext:
    if not isinstance(value, dict) or list(value) != ["alpha", "beta"]:
        raise _fail("bad_ciphertext", f"{what} is not a ciphertext")
    return Ciphertext(_point(value["alpha"], what), _point(value["beta"], what))


@dataclass
class _Setup:
    uuid: str
    fingerprint: str
    public_key: Point
    questions: list[dict[str, Any]]
    trustee_keys: list[Point]
    weights: dict[str, int]
    # owner number -> (item index in the trustees list, 1-based index within a Pedersen item)
    owners: dict[int, tuple[int, int]]
    thresholds: dict[int, int]  # Pedersen item index -> threshold


class Verifier:
    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def from_directory(cls, directory: Path) -> Verifier:
        archives = sorted(directory.glob("*.bel"))
        if len(archives) != 1:
            raise _fail("no_archive", "the directory must hold exactly one .bel archive")
        return cls(archives[0].read_bytes())

    def run(self) -> Report:
        try:
            members = read_members(self.data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _fail("bad_archive", str(exc)) from exc
        if not members or members[0][0] != "BELENIOS":
            raise _fail("bad_archive", "the archive does not start with its BELENIOS header")
        header = _canonical(members[0][1].decode(), "the header")
        if header.get("version") != 1:
            raise _fail("bad_archive", "unknown archive version")
        data: dict[str, str] = {}
        events: list[tuple[str, dict[str, Any]]] = []
        for name, content in members[1:]:
            digest = hashlib.sha256(content).hexdigest()
            text = content.decode()
            if name == f"{digest}.data.json":
                data[digest] = text
            elif name == f"{digest}.event.json":
                events.append((digest, _canonical(text, f"event {digest}")))
            else:
                raise _fail("bad_name", f"{name} is not named by the hash of its content")
        try:
            return self._events(events, data)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            # a structure missing a field or shaped otherwise than the specification says
            raise _fail("malformed", f"an artefact is malformed: {exc!r}") from exc

    def _events(self, events: list[tuple[str, dict[str, Any]]], data: dict[str, str]) -> Report:
        parent: str | None = None
        setup: _Setup | None = None
        report: Report | None = None
        phase = "setup"
        ballots: list[tuple[str, str, dict[str, Any]]] = []  # (credential, text, ballot)
        tally: list[list[Ciphertext]] | None = None
        factors: dict[int, list[list[Point]]] = {}
        for height, (digest, event) in enumerate(events):
            if event.get("height") != height or event.get("parent") != parent:
                raise _fail("broken_chain", f"event {digest} does not follow its parent")
            parent = digest
            kind = event.get("type")
            payload_hash = event.get("payload")
            payload = data.get(payload_hash) if isinstance(payload_hash, str) else None
            if payload_hash is not None and payload is None:
                raise _fail("missing_payload", f"event {digest} names an absent payload")
            if kind == "Setup" and phase == "setup" and payload is not None:
                setup = self._setup(payload, data)
                report = Report(setup.uuid, setup.fingerprint, None, None, None)
                phase = "ballots"
            elif kind == "Ballot" and phase == "ballots" and setup and payload is not None:
                ballot = self._ballot(setup, payload)
                ballots.append((ballot["credential"], payload, ballot))
            elif kind == "EndBallots" and phase == "ballots" and payload_hash is None:
                phase = "ended"
            elif kind == "EncryptedTally" and phase == "ended" and setup and report and payload:
                tally = self._tally(setup, report, ballots, payload, data)
                phase = "decrypting"
            elif kind == "EndShuffles" and phase == "decrypting":
                continue
            elif kind == "PartialDecryption" and phase == "decrypting" and setup and payload:
                owner, pd = self._partial(setup, tally or [], payload, data)
                if owner in factors:
                    raise _fail("duplicate_decryption", f"trustee {owner} decrypted twice")
                factors[owner] = pd
            elif kind == "Result" and phase == "decrypting" and setup and report and payload:
                self._result(setup, report, tally or [], factors, payload)
                phase = "done"
            else:
                raise _fail("unexpected_event", f"event {digest} ({kind}) is out of place")
        if report is None:
            raise _fail("no_setup", "the archive has no Setup event")
        report.ballots_accepted = len(ballots)
        return report

    # Setup -----------------------------------------------------------------------------

    def _setup(self, payload: str, data: dict[str, str]) -> _Setup:
        refs = _canonical(payload, "the setup data")
        if not isinstance(refs, dict) or list(refs) != ["election", "trustees", "credentials"]:
            raise _fail("bad_setup", "the setup data names election, trustees, credentials")
        texts = {k: data.get(v) for k, v in refs.items()}
        if any(t is None for t in texts.values()):
            raise _fail("missing_payload", "a setup file is absent")
        election = _canonical(str(texts["election"]), "the election")
        trustees = _canonical(str(texts["trustees"]), "the trustees")
        credentials = _canonical(str(texts["credentials"]), "the public credentials")
        if election.get("version") != 1 or election.get("group") != "Ed25519":
            raise _fail("bad_election", "only version 1 elections on Ed25519 are read")
        keys: list[Point] = []
        owners: dict[int, tuple[int, int]] = {}
        thresholds: dict[int, int] = {}
        sub_keys: list[Point] = []
        for item, trustee in enumerate(trustees):
            if not (isinstance(trustee, list) and len(trustee) == 2):
                raise _fail("bad_trustee", f"trustee item {item + 1} is malformed")
            if trustee[0] == "Single":
                key = self._single(trustee[1], f"trustee {len(keys) + 1}")
                keys.append(key)
                owners[len(keys)] = (item, 1)
                sub_keys.append(key)
            elif trustee[0] == "Pedersen":
                vks, sub_key, threshold = self._pedersen(trustee[1])
                thresholds[item] = threshold
                for index, vk in enumerate(vks, start=1):
                    keys.append(vk)
                    owners[len(keys)] = (item, index)
                sub_keys.append(sub_key)
            else:
                raise _fail("unsupported_trustee", f"trustee item {item + 1} is of no known kind")
        product = IDENTITY
        for key in sub_keys:
            product = product * key
        public_key = _point(election["public_key"], "the election key")
        if product != public_key:
            raise _fail("bad_election_key", "the election key is not the trustees' product")
        weights: dict[str, int] = {}
        for line in credentials:
            credential, _, weight = str(line).partition(",")
            _point(credential, "a public credential")
            if credential in weights:
                raise _fail("duplicate_credential", "a public credential is listed twice")
            if weight and (not weight.isdigit() or int(weight) < 1 or str(int(weight)) != weight):
                raise _fail("bad_credential", "a credential weight is not a positive integer")
            weights[credential] = int(weight) if weight else 1
        for q in election["questions"]:
            if list(q) != ["answers", "min", "max", "question"]:
                raise _fail("unsupported_question", "only homomorphic questions without blank")
        return _Setup(
            uuid=election["uuid"],
            fingerprint=hex_to_b64(refs["election"]),
            public_key=public_key,
            questions=election["questions"],
            trustee_keys=keys,
            weights=weights,
            owners=owners,
            thresholds=thresholds,
        )

    def _single(self, value: Any, who: str) -> Point:
        if not isinstance(value, dict) or list(value)[:2] != ["pok", "public_key"]:
            raise _fail("bad_trustee", f"{who}'s key is malformed")
        key = _point(value["public_key"], f"{who}'s key")
        pok = _proof(value["pok"], f"{who}'s proof")
        if not crypto.verify_knowledge(crypto.pok_prefix(key), key, pok):
            raise _fail("bad_trustee_proof", f"{who}'s proof of knowledge fails")
        return key

    def _signed(self, value: Any, vk: Point, what: str) -> str:
        if not isinstance(value, dict) or list(value) != ["message", "signature"]:
            raise _fail("bad_trustee", f"{what} is not a signed message")
        if not verify_signature(vk, value["message"], _proof(value["signature"], what)):
            raise _fail("bad_trustee_signature", f"{what}'s signature fails")
        return str(value["message"])

    def _pedersen(self, params: Any) -> tuple[list[Point], Point, int]:
        """Belenios' threshold parameters: certificates, signed coefficient commitments,
        signatures over all certificates, and verification keys derived from them."""
        fields = ["threshold", "certs", "coefexps", "signatures", "verification_keys"]
        if not isinstance(params, dict) or list(params) != fields:
            raise _fail("bad_trustee", "threshold parameters are malformed")
        threshold, certs = params["threshold"], params["certs"]
        size = len(certs)
        if not (isinstance(threshold, int) and 1 <= threshold <= size):
            raise _fail("bad_trustee", "the threshold is not between 1 and the trustees' number")
        if (
            not len(params["coefexps"])
            == len(params["signatures"])
            == size
            == len(params["verification_keys"])
        ):
            raise _fail("bad_trustee", "threshold parameters disagree on the trustees' number")
        vks: list[Point] = []
        for index, cert in enumerate(certs, start=1):
            try:
                keys = json.loads(cert["message"])
            except (TypeError, ValueError, KeyError) as exc:
                raise _fail("bad_trustee", f"certificate {index} is malformed") from exc
            context = {"group": "Ed25519", "size": size, "threshold": threshold, "index": index}
            if not isinstance(keys, dict) or keys.get("context") != context:
                raise _fail("bad_trustee", f"certificate {index} has the wrong context")
            vk = _point(keys.get("verification"), f"certificate {index}")
            _point(keys.get("encryption"), f"certificate {index}")
            self._signed(cert, vk, f"certificate {index}")
            vks.append(vk)
        coefexps: list[list[Point]] = []
        for index, (vk, msg, signature) in enumerate(
            zip(vks, params["coefexps"], params["signatures"], strict=True), start=1
        ):
            raw = json.loads(self._signed(msg, vk, f"trustee {index}'s commitments"))
            row = [_point(a, f"trustee {index}'s commitments") for a in raw["coefexps"]]
            if len(row) != threshold:
                raise _fail("bad_trustee", f"trustee {index} committed to a wrong degree")
            certs_sig = "certs_sig|" + dumps({"certs": certs, "coefexps": raw["coefexps"]})
            if not verify_signature(vk, certs_sig, _proof(signature, f"trustee {index}")):
                raise _fail("bad_trustee_signature", f"trustee {index}'s certs signature fails")
            coefexps.append(row)
        keys_out = []
        computed = verification_keys(coefexps)
        for index, (vk, value, expected) in enumerate(
            zip(vks, params["verification_keys"], computed, strict=True), start=1
        ):
            key = self._single(value, f"threshold trustee {index}")
            if key != expected:
                raise _fail("bad_trustee", f"threshold trustee {index}'s key is not derived")
            if list(value) != ["pok", "public_key", "signature"] or not verify_signature(
                vk, str(key), _proof(value["signature"], f"threshold trustee {index}")
            ):
                raise _fail("bad_trustee_signature", f"threshold trustee {index} did not sign")
            keys_out.append(key)
        sub_key = IDENTITY
        for row in coefexps:
            sub_key = sub_key * row[0]
        return keys_out, sub_key, threshold

    # Ballots ---------------------------------------------------------------------------

    def _ballot(self, setup: _Setup, text: str) -> dict[str, Any]:
        ballot = _canonical(text, "a ballot")
        fields = ["election_uuid", "election_hash", "credential", "answers", "signature"]
        if not isinstance(ballot, dict) or list(ballot) != fields:
            raise _fail("bad_ballot", "a ballot does not have Belenios' fields")
        tracker = sha256_b64(text)
        if ballot["election_uuid"] != setup.uuid or ballot["election_hash"] != setup.fingerprint:
            raise _fail("wrong_election", f"ballot {tracker} belongs to another election")
        credential_text = ballot["credential"]
        if credential_text not in setup.weights:
            raise _fail("unknown_credential", f"ballot {tracker} has no listed credential")
        credential = _point(credential_text, f"ballot {tracker}'s credential")
        unsigned = {k: v for k, v in ballot.items() if k != "signature"}
        signature = ballot["signature"]
        if not isinstance(signature, dict) or list(signature) != ["hash", "proof"]:
            raise _fail("bad_signature", f"ballot {tracker}'s signature is malformed")
        if signature["hash"] != sha256_b64(dumps(unsigned)):
            raise _fail("bad_signature", f"ballot {tracker}'s signed hash is not its own")
        proof = _proof(signature["proof"], f"ballot {tracker}'s signature")
        prefix = crypto.sig_prefix(signature["hash"])
        if not crypto.verify_knowledge(prefix, credential, proof):
            raise _fail("bad_signature", f"ballot {tracker}'s signature fails")
        s0 = f"{setup.fingerprint}|{credential_text}"
        if len(ballot["answers"]) != len(setup.questions):
            raise _fail("bad_ballot", f"ballot {tracker} does not answer every question")
        for question, answer in zip(setup.questions, ballot["answers"], strict=True):
            self._answer(setup, s0, question, answer, tracker)
        return ballot

    def _answer(
        self, setup: _Setup, s0: str, question: dict[str, Any], answer: Any, tracker: str
    ) -> None:
        if not isinstance(answer, dict) or list(answer) != [
            "choices",
            "individual_proofs",
            "overall_proof",
        ]:
            raise _fail("bad_ballot", f"ballot {tracker} has a malformed answer")
        n = len(question["answers"])
        if len(answer["choices"]) != n or len(answer["individual_proofs"]) != n:
            raise _fail("bad_ballot", f"ballot {tracker} has the wrong number of choices")
        cts = [_ciphertext(c, f"ballot {tracker}") for c in answer["choices"]]
        y = setup.public_key
        for c, proofs in zip(cts, answer["individual_proofs"], strict=True):
            parsed = [_proof(p, f"ballot {tracker}") for p in proofs]
            if not crypto.iverify(y, s0, c, parsed, [0, 1]):
                raise _fail("bad_proof", f"ballot {tracker}: a choice is not proven 0 or 1")
        summed = crypto.ONE
        for c in cts:
            summed = summed * c
        joined = ",".join(f"{c.alpha},{c.beta}" for c in cts)
        overall = [_proof(p, f"ballot {tracker}") for p in answer["overall_proof"]]
        values = list(range(question["min"], question["max"] + 1))
        if not crypto.iverify(y, f"{s0}|{joined}", summed, overall, values):
            raise _fail("bad_proof", f"ballot {tracker}: the count is not proven in min..max")

    # Tally -----------------------------------------------------------------------------

    def _tally(
        self,
        setup: _Setup,
        report: Report,
        ballots: list[tuple[str, str, dict[str, Any]]],
        payload: str,
        data: dict[str, str],
    ) -> list[list[Ciphertext]]:
        last: dict[str, tuple[str, dict[str, Any]]] = {}
        for credential, text, ballot in ballots:
            last.pop(credential, None)
            last[credential] = (text, ballot)
        expected = [[crypto.ONE for _ in q["answers"]] for q in setup.questions]
        total_weight = 0
        for credential, (_text, ballot) in last.items():
            weight = setup.weights[credential]
            total_weight += weight
            for i, answer in enumerate(ballot["answers"]):
                for j, c in enumerate(answer["choices"]):
                    ct = Ciphertext(Point.parse(c["alpha"]), Point.parse(c["beta"]))
                    expected[i][j] = expected[i][j] * ct**weight
        sized = _canonical(payload, "the sized encrypted tally")
        if sized.get("num_tallied") != len(last) or sized.get("total_weight") != total_weight:
            raise _fail("bad_tally", "the number or weight of tallied ballots is wrong")
        tally_text = data.get(sized.get("encrypted_tally"))
        if tally_text is None:
            raise _fail("missing_payload", "the encrypted tally is absent")
        published = _canonical(tally_text, "the encrypted tally")
        tally = [[_ciphertext(c, "the encrypted tally") for c in row] for row in published]
        if tally != expected:
            raise _fail("bad_tally", "the encrypted tally is not the product of the ballots")
        report.num_tallied = len(last)
        report.total_weight = total_weight
        report.trackers = sorted(sha256_b64(text) for text, _ in last.values())
        return tally

    def _partial(
        self, setup: _Setup, tally: list[list[Ciphertext]], payload: str, data: dict[str, str]
    ) -> tuple[int, list[list[Point]]]:
        owned = _canonical(payload, "an owned partial decryption")
        owner = owned.get("owner")
        if not isinstance(owner, int) or not 1 <= owner <= len(setup.trustee_keys):
            raise _fail("bad_decryption", "a partial decryption has no known owner")
        text = data.get(owned.get("payload"))
        if text is None:
            raise _fail("missing_payload", "a partial decryption is absent")
        pd = _canonical(text, "a partial decryption")
        key = setup.trustee_keys[owner - 1]
        rows = []
        shape = [len(row) for row in tally]
        if [len(r) for r in pd["decryption_factors"]] != shape or [
            len(r) for r in pd["decryption_proofs"]
        ] != shape:
            raise _fail("bad_decryption", f"trustee {owner}'s decryption has the wrong shape")
        for i, row in enumerate(tally):
            factors = []
            for j, c in enumerate(row):
                factor = _point(pd["decryption_factors"][i][j], f"trustee {owner}'s factor")
                proof = _proof(pd["decryption_proofs"][i][j], f"trustee {owner}'s proof")
                if not crypto.verify_factor(setup.fingerprint, key, c, factor, proof):
                    raise _fail("bad_decryption", f"trustee {owner}'s decryption proof fails")
                factors.append(factor)
            rows.append(factors)
        return owner, rows

    def _result(
        self,
        setup: _Setup,
        report: Report,
        tally: list[list[Ciphertext]],
        factors: dict[int, list[list[Point]]],
        payload: str,
    ) -> None:
        weights: dict[int, int] = {}
        for owner, (item, _index) in setup.owners.items():
            if item not in setup.thresholds:
                if owner not in factors:
                    raise _fail("missing_decryption", f"trustee {owner} did not decrypt")
                weights[owner] = 1
        for item, threshold in setup.thresholds.items():
            present = sorted(
                (index, owner)
                for owner, (it, index) in setup.owners.items()
                if it == item and owner in factors
            )[:threshold]
            if len(present) < threshold:
                raise _fail("missing_decryption", "fewer threshold trustees than required")
            indexes = [index for index, _ in present]
            for index, owner in present:
                weights[owner] = crypto.lagrange(indexes, index)
        published = _canonical(payload, "the result")
        result = []
        for i, row in enumerate(tally):
            counts = []
            for j, c in enumerate(row):
                combined = IDENTITY
                for owner, weight in weights.items():
                    combined = combined * factors[owner][i][j] ** weight
                try:
                    counts.append(crypto.discrete_log(c.beta / combined, report.total_weight or 0))
                except ValueError as exc:
                    raise _fail("bad_result", "a total does not decrypt") from exc
            result.append(counts)
        if published != {"result": result}:
            raise _fail("bad_result", "the published result is not the decrypted tally")
        report.result = result


def verify_archive(data: bytes) -> Report:
    return Verifier(data).run()


def verify_directory(directory: Path) -> Report:
    return Verifier.from_directory(directory).run()
