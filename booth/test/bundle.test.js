// The committed bundle is exactly what the sources and the locked dependencies build to,
// and it works on its own (no node_modules): the shared vector ballot comes out of it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { OUTFILE, build } from '../build.mjs';

test('the committed bundle is up to date (run `make booth` after changing src/)', async () => {
  assert.equal(readFileSync(OUTFILE, 'utf8'), await build());
});

test('the bundle makes the shared vector ballot', async () => {
  const booth = await import(pathToFileURL(OUTFILE).href);
  const vectors = new URL('../../tests/verifiable/vectors/belenios_ed25519.json', import.meta.url);
  const v = JSON.parse(readFileSync(vectors, 'utf8'));
  const rng = booth.seededRandomness(v.ballot.seed);
  const text = booth.createBallot(v.election, v.credential.private, v.ballot.choices, rng);
  assert.equal(text, v.ballot.text);
});
