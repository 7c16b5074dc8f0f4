"""The trustee's side of Collegia's verifiable elections, standalone (PyNaCl only)."""
