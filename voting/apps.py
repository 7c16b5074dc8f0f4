"""Weighted multi-stakeholder votes, ballots, proxies and tallies."""

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
