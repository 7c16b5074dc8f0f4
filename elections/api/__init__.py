"""Endpoints of verifiable elections."""
