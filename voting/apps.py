"""Weighted multi-stakeholder votes, ballots, proxies and tallies."""

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self) -> None:
        from voting import checks  # noqa: F401  (registers the system checks)
