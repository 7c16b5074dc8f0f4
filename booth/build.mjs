// Bundles the booth into one ES module for the browser, with @noble/* inlined:
// `npm run build` (or `make booth` at the repository root) writes
// frontend/static/frontend/booth.bundle.js, which is committed; test/bundle.test.js
// checks that the committed file is exactly what these options give.

import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export const OUTFILE = here('../frontend/static/frontend/booth.bundle.js');

export const options = {
  entryPoints: [here('src/index.js')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  // The licences of @noble/* stay in the file, at the top of each inlined module.
  legalComments: 'inline',
  banner: {
    js:
      '/*! Collegia voting booth: built from booth/src by `make booth`, do not edit. ' +
      'Includes @noble/curves and @noble/hashes, MIT License (c) 2022 Paul Miller. */',
  },
  // The same bytes on every machine: no absolute paths, no source map.
  sourcemap: false,
  write: false,
  absWorkingDir: here('.'),
};

/** The bundle's text, as built now from the sources and the locked dependencies. */
export async function build() {
  const result = await esbuild.build(options);
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(OUTFILE, await build());
  console.log(`wrote ${OUTFILE}`);
}
