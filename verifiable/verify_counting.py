"""The checks of the vote and of the count: each ballot (canonical form, election binding,
credential, signature, proofs), the encrypted tally, each partial decryption and its
proofs, and the result."""

from __future__ import annotations

from typing import Any

from . import crypto
from .crypto import Ciphertext
from .formats import dumps
from .group import IDENTITY, Point, sha256_b64
from .verify_common import Report, _canonical, _ciphertext, _fail, _point, _proof, _Setup


class CountingChecks:
    """Every ballot, the encrypted tally, each partial decryption and the result."""

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
