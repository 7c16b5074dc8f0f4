"""The data migration that turns each abstention policy into a base of the majority per call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.migrations.executor import MigrationExecutor

from tests.db import schema_at

BEFORE = [("governance", "0001_initial")]
AFTER = [("governance", "0002_decisionrules_majority_base")]


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    with schema_at(BEFORE) as executor:
        yield executor


def test_existing_rules_keep_their_meaning_on_both_calls(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps
    cooperative = old.get_model("governance", "Cooperative").objects.create(
        name="Ancienne SCIC", slug="ancienne-scic", legal_form="scic_sarl"
    )
    version = old.get_model("governance", "RulesVersion").objects.create(
        cooperative=cooperative, number=1
    )
    rules = old.get_model("governance", "DecisionRules")
    common = {
        "version": version,
        "tally_method": "proportional",
        "empty_college_policy": "redistribute",
        "quorum_mode": "all_members",
        "majority": "1/2",
    }
    rules.objects.create(decision_kind="ordinary", abstention_policy="counted_against", **common)
    rules.objects.create(decision_kind="advisory", abstention_policy="excluded", **common)

    executor.loader.build_graph()
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps
    migrated = {
        row.decision_kind: (row.majority_base_first_call, row.majority_base_second_call)
        for row in new.get_model("governance", "DecisionRules").objects.all()
    }
    assert migrated == {
        "ordinary": ("present", "present"),
        "advisory": ("votes_cast", "votes_cast"),
    }
