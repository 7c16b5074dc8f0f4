"""End-to-end verifiable secret ballots in the Belenios 3.3.0 format.

One Belenios election per (vote, college): the group, the proofs, the JSON formats and the
event archive follow the Belenios 3.3.0 specification byte for byte, so that Belenios' own
`belenios-tool election verify` checks what Collegia writes.
"""
