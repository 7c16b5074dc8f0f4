// Sources of random scalars. Every function that draws randomness takes one of these
// as `rng` (an object with a `scalar()` method returning a BigInt in 0..q-1), so that
// the order of the draws is the same as in verifiable/ and seeded runs match it byte for
// byte.

import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { Q } from './group.js';

function bigEndian(bytes) {
  return BigInt('0x' + bytesToHex(bytes));
}

/**
 * Scalars from the platform's cryptographic generator (crypto.getRandomValues, in every
 * browser and in Node >= 20). 512 random bits reduced modulo q: the bias is below 2^-259.
 */
export function systemRandomness() {
  return {
    scalar() {
      const bytes = new Uint8Array(64);
      globalThis.crypto.getRandomValues(bytes);
      return bigEndian(bytes) % Q;
    },
  };
}

/**
 * Deterministic scalars from a seed, FOR SHARED TEST VECTORS ONLY (a real ballot made with
 * it is as secret as its seed): the n-th scalar (n = 1, 2, ...) is
 * HMAC-SHA512(key=seed, message=n in base 10) read big-endian, modulo q, exactly as
 * verifiable.group.SeededRandomness.
 */
export function seededRandomness(seed) {
  const key = utf8ToBytes(seed);
  let counter = 0;
  return {
    scalar() {
      counter += 1;
      return bigEndian(hmac(sha512, key, utf8ToBytes(String(counter)))) % Q;
    },
  };
}
