// The Ed25519 group as Belenios 3.3.0 uses it, over @noble/curves.
//
// Mirrors verifiable/group.py. Belenios writes a point as its compressed 256-bit number
// in big-endian hexadecimal (64 characters); the standard Ed25519 encoding that
// @noble/curves reads and writes is the same number little-endian, so the two differ by a
// byte reversal. Scalars live modulo the prime order q of the base point. Only points of
// the prime-order subgroup are group elements: anything else is refused when read.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export const Point = ed25519.Point;
export const DESCRIPTION = 'Ed25519';
/** The prime order of the base point. */
export const Q = Point.Fn.ORDER;
export const G = Point.BASE;
export const IDENTITY = Point.ZERO;

export class GroupError extends Error {}

/** Reduce any integer (BigInt) into 0..q-1. */
export function mod(k) {
  const r = k % Q;
  return r < 0n ? r + Q : r;
}

/**
 * point^k for a SECRET exponent (encryption randomness, proof nonces, the credential):
 * @noble/curves' constant-time ladder. It refuses 0, which stands for the identity.
 */
export function pow(point, k) {
  const e = mod(k);
  return e === 0n ? IDENTITY : point.multiply(e);
}

/**
 * point^k for a PUBLIC exponent (published challenges and responses, verification):
 * variable time, which is faster and leaks nothing that is not already published.
 */
export function powPublic(point, k) {
  return point.multiplyUnsafe(mod(k));
}

/** g^k, with k secret. */
export function gPow(k) {
  return pow(G, k);
}

/** Belenios' form of a point: the compressed encoding, byte-reversed, lower-case hex. */
export function pointHex(point) {
  return bytesToHex(point.toBytes().reverse());
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Read Belenios' hexadecimal form, refusing anything outside the prime-order subgroup. */
export function parsePoint(text) {
  if (typeof text !== 'string' || !HEX64.test(text)) {
    throw new GroupError('a point is 64 lower-case hexadecimal characters');
  }
  const bytes = hexToBytes(text).reverse();
  let point;
  try {
    point = Point.fromBytes(bytes); // strict RFC 8032 decoding: y < p, no "negative zero"
  } catch {
    throw new GroupError('not the encoding of a curve point');
  }
  // The identity is allowed (a product may be it); any other point of small order, or
  // with a component outside the subgroup, is refused, as libsodium does on the server.
  if (!point.is0() && (point.isSmallOrder() || !point.isTorsionFree())) {
    throw new GroupError('not a point of the prime-order subgroup');
  }
  if (pointHex(point) !== text) {
    throw new GroupError('not the canonical encoding of a point');
  }
  return point;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A scalar in canonical base 10, below q. */
export function parseScalar(text) {
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new GroupError('a number is written in canonical base 10');
  }
  const value = BigInt(text);
  if (value >= Q) throw new GroupError('a number modulo q is below q');
  return value;
}

// Hashes -------------------------------------------------------------------------------

export function sha256Hex(text) {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** Belenios' compact fingerprint: Base64 of SHA-256, without padding. */
export function sha256B64(text) {
  let binary = '';
  for (const byte of sha256(utf8ToBytes(text))) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '');
}

/** SHA-256 of the prefix followed by the points joined with commas, read big-endian,
 * modulo q: every Fiat-Shamir challenge of the specification. */
export function hashToScalar(prefix, points = []) {
  const text = prefix + points.map(pointHex).join(',');
  return BigInt('0x' + sha256Hex(text)) % Q;
}
