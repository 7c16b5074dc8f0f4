// Collegia's voting booth: a Belenios 3.3.0 ballot encrypted, proven and signed in the
// voter's browser, so that the server only ever receives a ciphertext with its proofs.
//
// API (every value crossing it is a string, a number or a plain array/object; scalars
// inside the module are BigInt):
//
//   encryptBallot(electionText, credential, answers[, rng]) -> SealedBallot
//       electionText  the election file's exact JSON text (its SHA-256 is the election's
//                     fingerprint, so it must not be re-serialised)
//       credential    the voter's private credential, e.g. "kwZzV-Bkch4j-NKU5i-rzx2WG"
//       answers       one 0/1 vector per question, one entry per choice, min..max ticked:
//                       resolution        [[1, 0, 0]]           (For, Against, Abstain)
//                       approval / seats  [[1, 0, 1, 0]]        (0..max ticked)
//                       majority judgment [[0, 0, 1, 0], ...]   (one question per
//                                                                candidate, one grade)
//       rng           optional { scalar() -> BigInt mod q }; default: crypto.getRandomValues
//     sealed.ballot   the ballot's JSON text to POST (refused once audited)
//     sealed.tracker  the smart ballot tracker to show and mail
//     JSON.stringify(sealed) gives only { tracker }: choices and randomness stay private.
//
//   auditBallot(sealed) -> { tracker, ballot, choices, randomness }
//       Benaloh's challenge: reveals the plaintext and each choice's ElGamal randomness
//       (base-10 strings) and spoils the ballot, which must then be encrypted again.
//       Checked by checkAudit below on a second device, or by
//       verifiable.audit.check_audit on the Python side.
//   checkAudit(electionText, record) -> choices        (throws BallotError)
//
//   createBallot(electionText, credential, answers[, rng]) -> ballot JSON text, byte for
//       byte what verifiable.election.create_ballot writes for the same draws.
//   verifyBallot(electionText, ballotText) -> { tracker, credential }   (throws
//       BallotError with .code): canonical form, election binding, signature and every
//       proof, as Belenios checks a ballot (the credential list is the server's check).
//   tracker(ballotText) -> string
//   answersFromSelections(electionText, [[ticked indexes], ...]) -> answers
//   systemRandomness(), seededRandomness(seed)   (the latter for test vectors only)
//
// Lower layers are exported for tests and reviewers: group (points, hashes) and crypto
// (credentials, ElGamal, interval proofs, signatures).

export {
  BallotError,
  SealedBallot,
  answersFromSelections,
  auditBallot,
  checkAudit,
  createBallot,
  encryptBallot,
  parseElection,
  tracker,
  verifyBallot,
} from './ballot.js';
export { seededRandomness, systemRandomness } from './random.js';
export * as crypto from './crypto.js';
export * as group from './group.js';
