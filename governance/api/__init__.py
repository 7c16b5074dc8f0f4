"""REST endpoints of the governance model: one APIView per operation."""
