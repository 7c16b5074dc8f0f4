// Belenios 3.3.0 ballots: made in the booth, checked by anyone, audited (Benaloh).
//
// Mirrors verifiable/election.py's create_ballot byte for byte: the same JSON fields in
// the same order, written compact, scalars in base 10, points in Belenios' hexadecimal;
// the same random draws in the same order. Questions are homomorphic without blank:
// each answer is a vector of 0 and 1, one per choice, with min..max of them ticked. That
// one shape covers a resolution (For / Against / Abstain, exactly one), approval (0..n),
// an election with seats (at most the number of seats) and majority judgment (one
// question per candidate, its grades as choices, exactly one grade).

import * as crypto from './crypto.js';
import { GroupError, gPow, parsePoint, parseScalar, pointHex, sha256B64 } from './group.js';
import { systemRandomness } from './random.js';

/** A refusal, with a stable machine code (as verifiable.verify's VerificationError). */
export class BallotError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** Compact JSON, as Belenios (and verifiable.formats.dumps) writes it. */
const dumps = (value) => JSON.stringify(value);
const proofJson = (p) => ({ challenge: p.challenge.toString(), response: p.response.toString() });
const ciphertextJson = (c) => ({ alpha: pointHex(c.alpha), beta: pointHex(c.beta) });

const QUESTION_FIELDS = ['answers', 'min', 'max', 'question'];

/**
 * Read the election file (its exact text: the fingerprint is the hash of these bytes).
 * Returns { uuid, fingerprint, publicKey, questions: [{question, answers, min, max}] }.
 */
export function parseElection(electionText) {
  if (typeof electionText !== 'string') {
    throw new BallotError('bad_election', 'the election is given as its exact JSON text');
  }
  const election = JSON.parse(electionText);
  if (election.version !== 1 || election.group !== 'Ed25519') {
    throw new BallotError('bad_election', 'not a Belenios version 1 election on Ed25519');
  }
  const questions = election.questions.map((q) => {
    const shaped =
      dumps(Object.keys(q)) === dumps(QUESTION_FIELDS) &&
      Array.isArray(q.answers) &&
      Number.isInteger(q.min) &&
      Number.isInteger(q.max) &&
      q.min >= 0 &&
      q.min <= q.max &&
      q.max <= q.answers.length;
    if (!shaped) {
      throw new BallotError('bad_election', 'only homomorphic questions without blank');
    }
    return q;
  });
  return {
    uuid: election.uuid,
    fingerprint: sha256B64(electionText),
    publicKey: parsePoint(election.public_key),
    questions,
  };
}

/**
 * The 0/1 vectors from the ticked choices' indexes, one list per question
 * ([[0], [2, 3]] -> [[1, 0, 0], [0, 0, 1, 1]] for questions of 3 and 4 choices).
 */
export function answersFromSelections(electionText, selections) {
  const { questions } = parseElection(electionText);
  return questions.map((q, i) => q.answers.map((_, j) => (selections[i].includes(j) ? 1 : 0)));
}

function checkAnswers(questions, answers) {
  if (!Array.isArray(answers) || answers.length !== questions.length) {
    throw new BallotError('bad_answers', 'one answer per question');
  }
  questions.forEach((q, i) => {
    const vector = answers[i];
    if (!Array.isArray(vector) || vector.length !== q.answers.length) {
      throw new BallotError('bad_answers', 'each answer has one 0 or 1 per choice');
    }
    if (vector.some((m) => m !== 0 && m !== 1)) {
      throw new BallotError('bad_answers', 'each answer is a vector of 0 and 1');
    }
    const ticked = vector.reduce((a, b) => a + b, 0);
    if (ticked < q.min || ticked > q.max) {
      throw new BallotError('bad_answers', 'the number of ticked choices is outside min..max');
    }
  });
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/**
 * Build the ballot. Returns { text, randomness } where randomness[i][j] is the ElGamal
 * randomness of question i, choice j (the only secret an audit needs to reveal).
 */
function buildBallot(electionText, credential, answers, rng) {
  const election = parseElection(electionText);
  checkAnswers(election.questions, answers);
  const s = crypto.credentialSecret(election.uuid, credential);
  const publicCredential = pointHex(gPow(s));
  // Every proof is bound to the election and the voter: a proof lifted from another
  // ballot or another election does not verify.
  const s0 = `${election.fingerprint}|${publicCredential}`;
  const y = election.publicKey;
  const randomness = [];
  const answerJson = election.questions.map((question, i) => {
    const vector = answers[i];
    const rs = vector.map(() => rng.scalar());
    randomness.push(rs);
    const cts = vector.map((m, j) => crypto.encrypt(y, m, rs[j]));
    // Each choice encrypts 0 or 1 ...
    const individual = cts.map((c, j) => crypto.iprove(y, s0, c, rs[j], vector[j], [0, 1], rng));
    // ... and their product encrypts a count in min..max, the proof bound to all of them.
    const joined = cts.map((c) => `${pointHex(c.alpha)},${pointHex(c.beta)}`).join(',');
    const summed = cts.reduce(crypto.ciphertextMul, crypto.ONE);
    const rSum = rs.reduce((a, b) => a + b, 0n);
    const ticked = vector.reduce((a, b) => a + b, 0);
    const values = range(question.min, question.max);
    const overall = crypto.iprove(
      y,
      `${s0}|${joined}`,
      summed,
      rSum,
      ticked - question.min,
      values,
      rng,
    );
    return {
      choices: cts.map(ciphertextJson),
      individual_proofs: individual.map((proofs) => proofs.map(proofJson)),
      overall_proof: overall.map(proofJson),
    };
  });
  const ballot = {
    election_uuid: election.uuid,
    election_hash: election.fingerprint,
    credential: publicCredential,
    answers: answerJson,
  };
  // The signature: a proof of knowledge of the credential's secret over the hash of the
  // unsigned ballot, which ties the ciphertexts to this credential.
  const ballotHash = sha256B64(dumps(ballot));
  const signature = crypto.proveKnowledge(crypto.sigPrefix(ballotHash), s, rng);
  ballot.signature = { hash: ballotHash, proof: proofJson(signature) };
  return { text: dumps(ballot), randomness };
}

/** The ballot's JSON text, byte for byte what verifiable.election.create_ballot writes for
 * the same draws of `rng` (default: the platform's cryptographic generator). */
export function createBallot(electionText, credential, answers, rng = systemRandomness()) {
  return buildBallot(electionText, credential, answers, rng).text;
}

/** The smart ballot tracker: Base64 SHA-256 of the whole ballot text, unpadded. */
export function tracker(ballotText) {
  return sha256B64(ballotText);
}

/**
 * An encrypted ballot ready to cast or to audit (never both). Its plaintext and its
 * randomness live in private fields: JSON.stringify(sealed) gives only the tracker, so
 * a sealed ballot put into a request by mistake carries no choice.
 */
export class SealedBallot {
  #text;
  #tracker;
  #answers;
  #randomness;
  #spoiled = false;

  constructor(text, answers, randomness) {
    this.#text = text;
    this.#tracker = tracker(text);
    this.#answers = answers.map((v) => [...v]);
    this.#randomness = randomness;
  }

  /** The ballot's JSON text, to cast. Refused once the ballot has been audited. */
  get ballot() {
    if (this.#spoiled) {
      throw new BallotError('spoiled', 'an audited ballot is never cast: encrypt again');
    }
    return this.#text;
  }

  get tracker() {
    return this.#tracker;
  }

  get spoiled() {
    return this.#spoiled;
  }

  /** Benaloh's challenge: reveal the plaintext and the randomness, and spoil the ballot. */
  audit() {
    this.#spoiled = true;
    return {
      tracker: this.#tracker,
      ballot: this.#text,
      choices: this.#answers,
      randomness: this.#randomness.map((rs) => rs.map((r) => r.toString())),
    };
  }

  toJSON() {
    return { tracker: this.#tracker };
  }
}

/** Encrypt, prove and sign; the result is cast (sealed.ballot) or audited (auditBallot). */
export function encryptBallot(electionText, credential, answers, rng = systemRandomness()) {
  const { text, randomness } = buildBallot(electionText, credential, answers, rng);
  return new SealedBallot(text, answers, randomness);
}

/**
 * Benaloh's audit: the record { tracker, ballot, choices, randomness } that lets a second
 * device (checkAudit) or the server side (verifiable.audit.check_audit) re-encrypt each
 * choice and compare. The ballot is spoiled: it can no longer be cast.
 */
export function auditBallot(sealed) {
  return sealed.audit();
}

/**
 * Check an audit record against the election: the tracker is the ballot's, the ballot
 * belongs to this election, and each ciphertext is the encryption of the revealed 0 or 1
 * under the revealed randomness. Returns the revealed choices to show the voter.
 */
export function checkAudit(electionText, record) {
  const election = parseElection(electionText);
  if (tracker(record.ballot) !== record.tracker) {
    throw new BallotError('bad_tracker', 'the tracker is not the ballot’s');
  }
  const ballot = JSON.parse(record.ballot);
  if (ballot.election_uuid !== election.uuid || ballot.election_hash !== election.fingerprint) {
    throw new BallotError('wrong_election', 'the ballot belongs to another election');
  }
  checkAnswers(election.questions, record.choices);
  election.questions.forEach((_, i) => {
    ballot.answers[i].choices.forEach((c, j) => {
      const again = crypto.encrypt(
        election.publicKey,
        record.choices[i][j],
        parseScalar(record.randomness[i][j]),
      );
      if (pointHex(again.alpha) !== c.alpha || pointHex(again.beta) !== c.beta) {
        throw new BallotError('bad_encryption', `question ${i + 1}, choice ${j + 1} differs`);
      }
    });
  });
  return record.choices;
}

// Verification -------------------------------------------------------------------------

const BALLOT_FIELDS = ['election_uuid', 'election_hash', 'credential', 'answers', 'signature'];
const ANSWER_FIELDS = ['choices', 'individual_proofs', 'overall_proof'];

function sameKeys(value, keys) {
  return value !== null && typeof value === 'object' && dumps(Object.keys(value)) === dumps(keys);
}

function readProof(p) {
  if (!sameKeys(p, ['challenge', 'response'])) throw new GroupError('malformed proof');
  return { challenge: parseScalar(p.challenge), response: parseScalar(p.response) };
}

function readCiphertext(c) {
  if (!sameKeys(c, ['alpha', 'beta'])) throw new GroupError('malformed ciphertext');
  return crypto.ciphertext(parsePoint(c.alpha), parsePoint(c.beta));
}

/**
 * Check a ballot as Belenios does, against the election alone: canonical form, election
 * binding, signature, and every proof. Whether its credential is on the election's list
 * is the bulletin board's check. Returns { tracker, credential }; throws BallotError.
 */
export function verifyBallot(electionText, ballotText) {
  const election = parseElection(electionText);
  let ballot;
  try {
    ballot = JSON.parse(ballotText);
  } catch {
    throw new BallotError('not_json', 'the ballot is not JSON');
  }
  if (dumps(ballot) !== ballotText || !sameKeys(ballot, BALLOT_FIELDS)) {
    throw new BallotError('bad_ballot', 'the ballot is not in Belenios’ canonical form');
  }
  if (ballot.election_uuid !== election.uuid || ballot.election_hash !== election.fingerprint) {
    throw new BallotError('wrong_election', 'the ballot belongs to another election');
  }
  try {
    const credential = parsePoint(ballot.credential);
    const { signature } = ballot;
    const unsigned = { ...ballot };
    delete unsigned.signature;
    if (!sameKeys(signature, ['hash', 'proof']) || signature.hash !== sha256B64(dumps(unsigned))) {
      throw new BallotError('bad_signature', 'the signed hash is not the ballot’s');
    }
    const prefix = crypto.sigPrefix(signature.hash);
    if (!crypto.verifyKnowledge(prefix, credential, readProof(signature.proof))) {
      throw new BallotError('bad_signature', 'the signature fails');
    }
    const s0 = `${election.fingerprint}|${ballot.credential}`;
    const y = election.publicKey;
    if (!Array.isArray(ballot.answers) || ballot.answers.length !== election.questions.length) {
      throw new BallotError('bad_ballot', 'the ballot does not answer every question');
    }
    election.questions.forEach((question, i) => {
      const answer = ballot.answers[i];
      const n = question.answers.length;
      if (
        !sameKeys(answer, ANSWER_FIELDS) ||
        !Array.isArray(answer.choices) ||
        answer.choices.length !== n ||
        answer.individual_proofs.length !== n
      ) {
        throw new BallotError('bad_ballot', `answer ${i + 1} is malformed`);
      }
      const cts = answer.choices.map(readCiphertext);
      cts.forEach((c, j) => {
        const proofs = answer.individual_proofs[j].map(readProof);
        if (!crypto.iverify(y, s0, c, proofs, [0, 1])) {
          throw new BallotError('bad_proof', `question ${i + 1}: a choice is not 0 or 1`);
        }
      });
      const joined = answer.choices.map((c) => `${c.alpha},${c.beta}`).join(',');
      const summed = cts.reduce(crypto.ciphertextMul, crypto.ONE);
      const overall = answer.overall_proof.map(readProof);
      const values = range(question.min, question.max);
      if (!crypto.iverify(y, `${s0}|${joined}`, summed, overall, values)) {
        throw new BallotError('bad_proof', `question ${i + 1}: the count is not in min..max`);
      }
    });
  } catch (error) {
    if (error instanceof GroupError) throw new BallotError('bad_value', error.message);
    // A field missing or of another type than the specification's.
    if (error instanceof TypeError) throw new BallotError('malformed', error.message);
    throw error;
  }
  return { tracker: tracker(ballotText), credential: ballot.credential };
}
