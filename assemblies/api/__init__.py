"""REST endpoints of the assemblies app: one APIView per operation."""
