"""Belenios' own tool, as the verifiable tests reach it."""

from tests.verifiable.conftest import belenios_tool, run_tool  # noqa: F401
