"""Verifiable secret votes: the electoral board, its key ceremony, one Belenios election per
(vote, college), the bulletin board, the close and its proof bundle."""
