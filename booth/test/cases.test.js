// Every question shape, both ways: the booth rebuilds Python's seeded ballots byte for
// byte and verifies them; Python (verifiable.verify, through
// tests/verifiable/booth_cases.py) verifies and tallies what the booth encrypts with real
// randomness, and checks its Benaloh audit records.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import {
  BallotError,
  auditBallot,
  checkAudit,
  createBallot,
  crypto,
  encryptBallot,
  group,
  seededRandomness,
  systemRandomness,
  verifyBallot,
} from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = JSON.parse(
  readFileSync(`${ROOT}/tests/verifiable/vectors/booth_cases.json`, 'utf8'),
);

/** The project's Python, if there is one that can import verifiable (PYTHON names it). */
function python() {
  const candidates = [process.env.PYTHON, `${ROOT}/.venv/bin/python`].filter(Boolean);
  return candidates.find((path) => existsSync(path));
}

function pythonTally(name, ballots, audits) {
  const done = spawnSync(python(), ['-m', 'tests.verifiable.booth_cases', 'tally'], {
    cwd: ROOT,
    input: JSON.stringify({ case: name, ballots, audits }),
    encoding: 'utf8',
  });
  assert.equal(done.status, 0, done.stderr);
  return JSON.parse(done.stdout);
}

/** Change one character of a ballot at the first place `marker` occurs after `field`. */
function tamper(text, field) {
  const at = text.indexOf(field) + field.length + 3;
  const old = text[at];
  const replacement = old === '1' ? '2' : '1';
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: Python's seeded ballot, byte for byte`, () => {
    const text = createBallot(c.election, c.credentials[0], c.choices, seededRandomness(c.seed));
    assert.equal(text, c.ballot);
  });

  test(`${name}: Python's ballot verifies, a changed one does not`, () => {
    assert.equal(verifyBallot(c.election, c.ballot).tracker, c.tracker);
    for (const field of ['"alpha"', '"challenge"', '"response"', '"hash"']) {
      const changed = tamper(c.ballot, field);
      assert.notEqual(changed, c.ballot);
      assert.throws(() => verifyBallot(c.election, changed), BallotError, field);
    }
    // A ballot validly signed but shaped otherwise is refused as malformed.
    const { signature, ...unsigned } = JSON.parse(c.ballot);
    unsigned.answers[0].overall_proof = null;
    const hash = group.sha256B64(JSON.stringify(unsigned));
    const secret = crypto.credentialSecret(JSON.parse(c.election).uuid, c.credentials[0]);
    const proof = crypto.proveKnowledge(crypto.sigPrefix(hash), secret, systemRandomness());
    const resigned = {
      ...unsigned,
      signature: {
        hash,
        proof: { challenge: proof.challenge.toString(), response: proof.response.toString() },
      },
    };
    assert.notEqual(signature.hash, hash);
    assert.throws(() => verifyBallot(c.election, JSON.stringify(resigned)), /malformed/);
    const other = Object.entries(CASES).find(([n]) => n !== name)[1];
    assert.throws(() => verifyBallot(other.election, c.ballot), /wrong_election/);
  });

  test(`${name}: a sealed ballot, cast or audited, never both`, () => {
    const sealed = encryptBallot(c.election, c.credentials[1], c.choices);
    assert.deepEqual(JSON.parse(JSON.stringify(sealed)), { tracker: sealed.tracker });
    assert.equal(verifyBallot(c.election, sealed.ballot).tracker, sealed.tracker);
    const record = auditBallot(sealed);
    assert.deepEqual(checkAudit(c.election, record), c.choices);
    assert.throws(() => sealed.ballot, /spoiled/);
    // A record claiming another choice, or other randomness, is refused.
    const lie = structuredClone(record);
    lie.choices[0] = [...lie.choices[0]].reverse();
    if (JSON.stringify(lie.choices) !== JSON.stringify(record.choices)) {
      assert.throws(() => checkAudit(c.election, lie), /bad_encryption|bad_answers/);
    }
    const wrongR = structuredClone(record);
    wrongR.randomness[0][0] = (BigInt(wrongR.randomness[0][0]) + 1n).toString();
    assert.throws(() => checkAudit(c.election, wrongR), /bad_encryption/);
  });
}

test('Node encrypts, Python verifies and tallies', (t) => {
  if (!python()) {
    t.skip('no Python with verifiable (make install, or PYTHON=...)');
    return;
  }
  for (const [name, c] of Object.entries(CASES)) {
    // Voters 2 and 3 vote; voter 2 then audits a second ballot, which is not cast.
    const first = encryptBallot(c.election, c.credentials[1], c.choices);
    const flipped = c.choices.map((v) => [...v].reverse());
    const second = encryptBallot(c.election, c.credentials[2], flipped);
    const audited = encryptBallot(c.election, c.credentials[1], flipped);
    const answer = pythonTally(name, [first.ballot, second.ballot], [auditBallot(audited)]);
    assert.equal(answer.accepted, 2, name);
    const expected = c.choices.map((v, i) => v.map((m, j) => m + flipped[i][j]));
    assert.deepEqual(answer.result, expected, name);
    assert.deepEqual(answer.audits, [flipped], name);
  }
});
