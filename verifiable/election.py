"""Building one Belenios election: setup files, ballots, encrypted tally, partial
decryptions and result, written into an archive that `belenios-tool` verifies.

Questions are homomorphic without blank (`min`..`max` answers ticked out of `answers`),
which covers resolutions, approval, majority judgment as one "exactly one grade" question
per candidate, and elections with seats. Trustees are "Single" (each one mandatory) and at
most one "Pedersen" group (any `threshold` of its members decrypt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import crypto
from .archive import Archive
from .crypto import Ciphertext, Proof
from .formats import ciphertext_json, dumps, election_json, proof_json, public_credential_line
from .group import IDENTITY, Point, Randomness, g_pow, hex_to_b64, sha256_b64
from .threshold import Pedersen

BASE58 = crypto.B58


@dataclass(frozen=True)
class Question:
    question: str
    answers: list[str]
    min: int
    max: int

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "min": self.min,
            "max": self.max,
            "question": self.question,
        }


@dataclass
class Trustee:
    """A trustee's secret key and the public key with its proof of knowledge."""

    secret: int
    public_key: Point
    pok: Proof

    @classmethod
    def generate(cls, rng: Randomness) -> Trustee:
        x = rng.scalar()
        y = g_pow(x)
        return cls(x, y, crypto.prove_knowledge(crypto.pok_prefix(y), x, rng))

    def to_json(self) -> list[Any]:
        body = {
            "pok": proof_json(self.pok.challenge, self.pok.response),
            "public_key": str(self.public_key),
        }
        return ["Single", body]


def new_uuid(rng: Randomness, length: int = 14) -> str:
    value, text = rng.scalar(), ""
    for _ in range(length):
        value, digit = divmod(value, 58)
        text += BASE58[digit]
    return text


@dataclass
class Election:
    """The three setup files of one election and what is derived from them."""

    uuid: str
    questions: list[Question]
    trustees: list[Trustee]
    credentials: dict[str, int]  # public credential (hex) -> weight
    name: str = "Election"
    description: str = ""
    pedersen: Pedersen | None = None
    election_text: str = field(init=False)
    trustees_text: str = field(init=False)
    credentials_text: str = field(init=False)
    fingerprint: str = field(init=False)
    public_key: Point = field(init=False)

    def __post_init__(self) -> None:
        y = IDENTITY
        for trustee in self.trustees:
            y = y * trustee.public_key
        if self.pedersen is not None:
            y = y * self.pedersen.public_key
        self.public_key = y
        self.election_text = dumps(
            election_json(
                uuid=self.uuid,
                name=self.name,
                description=self.description,
                public_key=y,
                questions=[q.to_json() for q in self.questions],
            )
        )
        kinds = [t.to_json() for t in self.trustees]
        if self.pedersen is not None:
            kinds.append(self.pedersen.to_json())
        self.trustees_text = dumps(kinds)
        weighted = any(w != 1 for w in self.credentials.values())
        lines = [
            public_credential_line(Point.parse(c), w, weighted)
            for c, w in sorted(self.credentials.items())
        ]
        self.credentials_text = dumps(lines)
        self.fingerprint = sha256_b64(self.election_text)

    @property
    def total_weight_bound(self) -> int:
        return sum(self.credentials.values())

    @classmethod
    def from_election_file(cls, election_text: str) -> Election:
        """What a voter's device knows of an election: its published election file alone
        (uuid, questions, public key, fingerprint), enough to make a ballot."""
        data = json.loads(election_text)
        election = cls.__new__(cls)
        election.uuid = data["uuid"]
        election.questions = [
            Question(q["question"], q["answers"], q["min"], q["max"]) for q in data["questions"]
        ]
        election.public_key = Point.parse(data["public_key"])
        election.election_text = election_text
        election.fingerprint = sha256_b64(election_text)
        return election


# Ballots -------------------------------------------------------------------------------


def create_ballot(
    election: Election, credential: str, choices: list[list[int]], rng: Randomness
) -> str:
    """A signed ballot, serialised as Belenios writes it (its hash is the tracker)."""
    s = crypto.credential_secret(election.uuid, credential)
    public = g_pow(s)
    s0 = f"{election.fingerprint}|{public}"
    y = election.public_key
    answers = []
    if len(choices) != len(election.questions):
        raise ValueError("one answer per question")
    for question, vector in zip(election.questions, choices, strict=True):
        if len(vector) != len(question.answers) or any(m not in (0, 1) for m in vector):
            raise ValueError("each answer is a vector of 0 and 1, one per choice")
        total = sum(vector)
        if not question.min <= total <= question.max:
            raise ValueError("the number of ticked choices is outside min..max")
        rs = [rng.scalar() for _ in vector]
        cts = [crypto.encrypt(y, m, r) for m, r in zip(vector, rs, strict=True)]
        individual = [
            crypto.iprove(y, s0, c, r, m, [0, 1], rng)
            for c, r, m in zip(cts, rs, vector, strict=True)
        ]
        joined = ",".join(f"{c.alpha},{c.beta}" for c in cts)
        summed = crypto.ONE
        for c in cts:
            summed = summed * c
        values = list(range(question.min, question.max + 1))
        overall = crypto.iprove(
            y, f"{s0}|{joined}", summed, sum(rs), total - question.min, values, rng
        )
        answers.append(
            {
                "choices": [ciphertext_json(c.alpha, c.beta) for c in cts],
                "individual_proofs": [
                    [proof_json(p.challenge, p.response) for p in proofs] for proofs in individual
                ],
                "overall_proof": [proof_json(p.challenge, p.response) for p in overall],
            }
        )
    ballot: dict[str, Any] = {
        "election_uuid": election.uuid,
        "election_hash": election.fingerprint,
        "credential": str(public),
        "answers": answers,
    }
    ballot_hash = sha256_b64(dumps(ballot))
    signature = crypto.prove_knowledge(crypto.sig_prefix(ballot_hash), s, rng)
    ballot["signature"] = {
        "hash": ballot_hash,
        "proof": proof_json(signature.challenge, signature.response),
    }
    return dumps(ballot)


def tracker(ballot_text: str) -> str:
    """The smart ballot tracker: Base64 SHA-256 of the whole ballot, unpadded."""
    return sha256_b64(ballot_text)


# Tally ---------------------------------------------------------------------------------


def _ciphertexts(ballot: dict[str, Any]) -> list[list[Ciphertext]]:
    return [
        [Ciphertext(Point.parse(c["alpha"]), Point.parse(c["beta"])) for c in answer["choices"]]
        for answer in ballot["answers"]
    ]


def last_ballots(ballot_texts: list[str]) -> list[str]:
    """The tallied ballots: the last one per credential, in the order of their last cast."""
    last: dict[str, str] = {}
    for text in ballot_texts:
        credential = json.loads(text)["credential"]
        last.pop(credential, None)
        last[credential] = text
    return list(last.values())


def encrypted_tally(election: Election, ballot_texts: list[str]) -> list[list[Ciphertext]]:
    tally = [[crypto.ONE for _ in q.answers] for q in election.questions]
    for text in ballot_texts:
        ballot = json.loads(text)
        weight = election.credentials[ballot["credential"]]
        for i, answer in enumerate(_ciphertexts(ballot)):
            for j, c in enumerate(answer):
                tally[i][j] = tally[i][j] * (c**weight)
    return tally


def tally_json(tally: list[list[Ciphertext]]) -> list[list[dict[str, str]]]:
    return [[ciphertext_json(c.alpha, c.beta) for c in row] for row in tally]


def partial_decryption(
    election: Election, secret: int, tally: list[list[Ciphertext]], rng: Randomness
) -> dict[str, Any]:
    factors, proofs = [], []
    for row in tally:
        pairs = [crypto.decryption_factor(election.fingerprint, secret, c, rng) for c in row]
        factors.append([str(f) for f, _ in pairs])
        proofs.append([proof_json(p.challenge, p.response) for _, p in pairs])
    return {"decryption_factors": factors, "decryption_proofs": proofs}


def combine(
    tally: list[list[Ciphertext]],
    factors: list[list[list[Point]]],
    bound: int,
    weights: list[int] | None = None,
) -> list[list[int]]:
    """The result: for each ciphertext, log_g(beta / product of the factors), each factor
    raised to its weight (1 for a Single trustee, a Lagrange coefficient for a Pedersen
    one)."""
    weights = weights or [1] * len(factors)
    result = []
    for i, row in enumerate(tally):
        counts = []
        for j, c in enumerate(row):
            combined = IDENTITY
            for trustee_factors, weight in zip(factors, weights, strict=True):
                combined = combined * trustee_factors[i][j] ** weight
            counts.append(crypto.discrete_log(c.beta / combined, bound))
        result.append(counts)
    return result


# The whole archive ---------------------------------------------------------------------


@dataclass
class Outcome:
    archive: Archive
    result: list[list[int]]
    trackers: list[str]


def setup_archive(election: Election, timestamp: int) -> Archive:
    archive = Archive(timestamp=timestamp)
    e = archive.add_data(election.election_text)
    t = archive.add_data(election.trustees_text)
    c = archive.add_data(election.credentials_text)
    setup = archive.add_data(dumps({"election": e, "trustees": t, "credentials": c}))
    archive.add_event("Setup", setup)
    assert hex_to_b64(e) == election.fingerprint
    return archive


def close_and_tally(
    election: Election,
    archive: Archive,
    ballot_texts: list[str],
    rng: Randomness,
    deciders: list[int] | None = None,
) -> list[list[int]]:
    """EndBallots, EncryptedTally, one PartialDecryption per Single trustee and per
    Pedersen trustee in `deciders` (numbers from 1; by default the first `threshold`),
    then Result."""
    archive.add_event("EndBallots")
    counted = last_ballots(ballot_texts)
    tally = encrypted_tally(election, counted)
    tally_hash = archive.add_data(dumps(tally_json(tally)))
    total_weight = sum(election.credentials[json.loads(b)["credential"]] for b in counted)
    sized = {
        "num_tallied": len(counted),
        "total_weight": total_weight,
        "encrypted_tally": tally_hash,
    }
    archive.add_event("EncryptedTally", archive.add_data(dumps(sized)))
    decrypting = [(owner, t.secret) for owner, t in enumerate(election.trustees, start=1)]
    weights = [1] * len(decrypting)
    pedersen = election.pedersen
    if pedersen is not None:
        chosen = sorted(deciders or range(1, pedersen.threshold + 1))
        if len(chosen) < pedersen.threshold:
            raise ValueError("fewer trustees than the threshold cannot decrypt")
        used = chosen[: pedersen.threshold]
        for index in chosen:
            decrypting.append((len(election.trustees) + index, pedersen.secrets[index - 1]))
            weights.append(crypto.lagrange(used, index) if index in used else 0)
    all_factors = []
    for owner, secret in decrypting:
        pd = partial_decryption(election, secret, tally, rng)
        pd_hash = archive.add_data(dumps(pd))
        owned = archive.add_data(dumps({"owner": owner, "payload": pd_hash}))
        archive.add_event("PartialDecryption", owned)
        all_factors.append([[Point.parse(f) for f in row] for row in pd["decryption_factors"]])
    result = combine(tally, all_factors, total_weight, weights)
    archive.add_event("Result", archive.add_data(dumps({"result": result})))
    return result


def run_election(
    election: Election,
    votes: list[tuple[str, list[list[int]]]],
    rng: Randomness,
    timestamp: int = 1_800_000_000,
    deciders: list[int] | None = None,
) -> Outcome:
    """Setup, the given (private credential, choices) ballots in order, close and tally."""
    archive = setup_archive(election, timestamp)
    texts = []
    for credential, choices in votes:
        text = create_ballot(election, credential, choices, rng)
        archive.add_event("Ballot", archive.add_data(text))
        texts.append(text)
    result = close_and_tally(election, archive, texts, rng, deciders)
    return Outcome(archive, result, sorted(tracker(t) for t in last_ballots(texts)))
