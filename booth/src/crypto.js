// Belenios 3.3.0's cryptography for a voter: credentials, exponential ElGamal, the
// disjunctive Chaum-Pedersen (interval membership) proofs and the Schnorr signature.
//
// Mirrors verifiable/crypto.py line for line, including the ORDER in which random
// scalars are drawn, so that a seeded run gives the same bytes on both sides. Each
// Fiat-Shamir hash is the specification's string: a verbatim tag (`prove`, `sig`),
// vertical bars, and points in Belenios' hexadecimal form joined with commas.
//
// Exponents that must stay secret (r, the nonces w, the credential secret) go through the
// constant-time `pow`; exponents that are published anyway (the simulated branches'
// challenges and responses, everything a verifier sees) go through `powPublic`.
// JavaScript gives no hard timing guarantee; the point is to avoid gross leaks.

import {
  G,
  IDENTITY,
  Q,
  gPow,
  hashToScalar,
  mod,
  pointHex,
  pow,
  powPublic,
  sha256Hex,
} from './group.js';

/** A ciphertext (alpha, beta) = (g^r, y^r g^m). */
export function ciphertext(alpha, beta) {
  return { alpha, beta };
}

export function ciphertextMul(a, b) {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

export const ONE = ciphertext(IDENTITY, IDENTITY);

// Credentials --------------------------------------------------------------------------

/** secret(c): two SHA-256 blocks over `derive_credential|uuid|i|c`, read as one
 * 512-bit big-endian number, modulo q. `credential` is the private credential exactly as
 * the voter received it (22 Base58 characters grouped 5-6-5-6 with dashes). */
export function credentialSecret(uuid, credential) {
  const blocks = [0, 1].map((i) => sha256Hex(`derive_credential|${uuid}|${i}|${credential}`));
  return BigInt('0x' + blocks.join('')) % Q;
}

// ElGamal and interval proofs ----------------------------------------------------------

/** g^m for a small secret m, without a data-dependent scalar multiplication for 0 and 1. */
function gSmall(m) {
  if (m === 0) return IDENTITY;
  if (m === 1) return G;
  return powPublic(G, BigInt(m));
}

/** Exponential ElGamal: (g^r, y^r g^m). */
export function encrypt(y, m, r) {
  return ciphertext(gPow(r), pow(y, r).add(gSmall(m)));
}

function provePrefix(zkp, c) {
  return `prove|${zkp}|${pointHex(c.alpha)},${pointHex(c.beta)}|`;
}

/**
 * Prove that c encrypts values[index] with randomness r, without saying which value:
 * one real Schnorr-style proof for the true value and a simulated one for each other
 * value, the challenges summing to the Fiat-Shamir hash.
 * Returns [{challenge, response}] (BigInt), one per value.
 */
export function iprove(y, zkp, c, r, index, values, rng) {
  const proofs = new Array(values.length);
  const commitments = new Array(2 * values.length);
  let others = 0n;
  values.forEach((m, j) => {
    if (j === index) return;
    // Simulated branch: pick the challenge and the response, derive the commitments.
    const challenge = rng.scalar();
    const response = rng.scalar();
    proofs[j] = { challenge, response };
    commitments[2 * j] = powPublic(G, response).add(powPublic(c.alpha, challenge));
    const betaOverGm = c.beta.subtract(gSmall(m));
    commitments[2 * j + 1] = powPublic(y, response).add(powPublic(betaOverGm, challenge));
    others += challenge;
  });
  // Real branch: commit to a fresh nonce w, answer the challenge left over.
  const w = rng.scalar();
  commitments[2 * index] = gPow(w);
  commitments[2 * index + 1] = pow(y, w);
  const challenge = mod(hashToScalar(provePrefix(zkp, c), commitments) - others);
  proofs[index] = { challenge, response: mod(w - r * challenge) };
  return proofs;
}

/** Check an interval proof made by iprove (all inputs public). */
export function iverify(y, zkp, c, proofs, values) {
  if (proofs.length !== values.length) return false;
  const commitments = [];
  let total = 0n;
  values.forEach((m, j) => {
    const { challenge, response } = proofs[j];
    commitments.push(powPublic(G, response).add(powPublic(c.alpha, challenge)));
    const betaOverGm = c.beta.subtract(powPublic(G, BigInt(m)));
    commitments.push(powPublic(y, response).add(powPublic(betaOverGm, challenge)));
    total += challenge;
  });
  return hashToScalar(provePrefix(zkp, c), commitments) === mod(total);
}

// Schnorr proofs of knowledge: the ballot signature ------------------------------------

export function sigPrefix(ballotHash) {
  return `sig|${ballotHash}|`;
}

/** Prove knowledge of `secret` = log_g(public), bound to `prefix`. */
export function proveKnowledge(prefix, secret, rng) {
  const w = rng.scalar();
  const challenge = hashToScalar(prefix, [gPow(w)]);
  return { challenge, response: mod(w - secret * challenge) };
}

export function verifyKnowledge(prefix, publicKey, proof) {
  const commitment = powPublic(G, proof.response).add(powPublic(publicKey, proof.challenge));
  return hashToScalar(prefix, [commitment]) === proof.challenge;
}
