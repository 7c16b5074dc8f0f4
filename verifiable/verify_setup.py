"""The checks of an election's setup: each trustee's key and its proof of knowledge, the
Pedersen trustees' signed messages and verification keys, and the election key."""

from __future__ import annotations

import json
from typing import Any

from . import crypto
from .formats import dumps
from .group import IDENTITY, Point, hex_to_b64
from .threshold import verification_keys, verify_signature
from .verify_common import _canonical, _fail, _point, _proof, _Setup


class SetupChecks:
    """The setup event: the trustees' keys and proofs, Pedersen trustees, the election key."""

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
