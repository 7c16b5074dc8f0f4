// The shared test vectors (tests/verifiable/vectors/belenios_ed25519.json, written by
// verifiable/vectors.py from fixed seeds): the booth must give the same bytes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { createBallot, crypto, group, seededRandomness, tracker, verifyBallot } from '../src/index.js';

const VECTORS = new URL('../../tests/verifiable/vectors/belenios_ed25519.json', import.meta.url);
const v = JSON.parse(readFileSync(VECTORS, 'utf8'));

test('group constants and hashes', () => {
  assert.equal(group.Q.toString(), v.group.q);
  assert.equal(group.pointHex(group.G), v.group.g);
  assert.equal(group.hashToScalar(v.hash.input).toString(), v.hash.scalar);
  assert.equal(group.sha256B64('Collegia'), v.hash.sha256_b64);
  assert.equal(group.sha256B64(v.election), v.fingerprint);
});

test('credential secret and public credential', () => {
  const secret = crypto.credentialSecret(v.uuid, v.credential.private);
  assert.equal(secret.toString(), v.credential.secret);
  assert.equal(group.pointHex(group.gPow(secret)), v.credential.public);
});

test('seeded randomness draws the same scalars', () => {
  // The election's uuid is built from the first draw of the main seed (base 58 digits).
  const first = seededRandomness(v.seed).scalar();
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let value = first;
  let uuid = '';
  for (let i = 0; i < 14; i += 1) {
    uuid += alphabet[Number(value % 58n)];
    value /= 58n;
  }
  assert.equal(uuid, v.uuid);
});

test('ElGamal encryption', () => {
  const e = v.encryption;
  const y = group.parsePoint(e.public_key);
  const c = crypto.encrypt(y, e.m, BigInt(e.r));
  assert.equal(group.pointHex(c.alpha), e.alpha);
  assert.equal(group.pointHex(c.beta), e.beta);
});

test('interval proof, made and checked', () => {
  const e = v.encryption;
  const y = group.parsePoint(e.public_key);
  const c = crypto.ciphertext(group.parsePoint(e.alpha), group.parsePoint(e.beta));
  const p = v.iprove;
  const rng = seededRandomness(p.seed);
  const proofs = crypto.iprove(y, p.prefix, c, BigInt(e.r), p.index, p.values, rng);
  assert.deepEqual(
    proofs.map((q) => ({ challenge: q.challenge.toString(), response: q.response.toString() })),
    p.proofs,
  );
  assert.ok(crypto.iverify(y, p.prefix, c, proofs, p.values));
  assert.ok(!crypto.iverify(y, p.prefix + 'x', c, proofs, p.values));
  assert.ok(!crypto.iverify(y, p.prefix, c, proofs, [1, 0]));
});

test('the whole ballot, byte for byte, with its tracker', () => {
  const b = v.ballot;
  const text = createBallot(v.election, v.credential.private, b.choices, seededRandomness(b.seed));
  assert.equal(text, b.text);
  assert.equal(tracker(text), b.tracker);
  assert.deepEqual(verifyBallot(v.election, b.text), {
    tracker: b.tracker,
    credential: v.credential.public,
  });
});

test('only canonical points of the prime-order subgroup are read', async () => {
  const { ED25519_TORSION_SUBGROUP } = await import('@noble/curves/ed25519.js');
  const identity = '0'.repeat(63) + '1';
  assert.ok(group.parsePoint(identity).is0());
  assert.ok(group.parsePoint(v.group.g).equals(group.G));
  const eighth = group.Point.fromHex(ED25519_TORSION_SUBGROUP[1]); // a point of order 8
  const refused = [
    v.credential.public.toUpperCase(),
    group.pointHex(eighth), // small order
    group.pointHex(group.G.add(eighth)), // a component outside the subgroup
    '7f' + 'f'.repeat(60) + 'ee', // y = p + 1: not canonical
    v.group.g.slice(2),
  ];
  for (const text of refused) assert.throws(() => group.parsePoint(text), group.GroupError, text);
});
