// Drives a build of the booth module for the Python tests: `node booth_cli.mjs MODULE`
// reads a JSON list of operations on standard input and prints their answers as JSON.
//   {op: "create", election, credential, answers, seed}    -> {ballot}
//   {op: "encrypt", election, credential, answers, audit}  -> {ballot | null, tracker, record}
//   {op: "verify", election, ballot}                       -> {tracker} | {error: code}

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const booth = await import(pathToFileURL(process.argv[2]).href);
const requests = JSON.parse(readFileSync(0, 'utf8'));

function answer(r) {
  switch (r.op) {
    case 'create':
      return {
        ballot: booth.createBallot(
          r.election,
          r.credential,
          r.answers,
          booth.seededRandomness(r.seed),
        ),
      };
    case 'encrypt': {
      const sealed = booth.encryptBallot(r.election, r.credential, r.answers);
      const record = r.audit ? booth.auditBallot(sealed) : null;
      return { ballot: r.audit ? null : sealed.ballot, tracker: sealed.tracker, record };
    }
    case 'verify':
      try {
        return { tracker: booth.verifyBallot(r.election, r.ballot).tracker };
      } catch (error) {
        if (!(error instanceof booth.BallotError)) throw error;
        return { error: error.code };
      }
    default:
      throw new Error(`unknown operation ${r.op}`);
  }
}

process.stdout.write(JSON.stringify(requests.map(answer)));
