"""REST endpoints of the voting app: one APIView per operation."""
