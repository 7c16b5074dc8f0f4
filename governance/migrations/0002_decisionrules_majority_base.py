"""Replace the abstention policy of each decision kind by a base of the majority per call."""

from typing import Any

from django.db import migrations, models

BASE_CHOICES = [
    ("votes_cast", "Votes cast (abstentions are not votes cast)"),
    ("present", "Members present or represented (abstentions count as against)"),
    ("all_members", "All members on the roll (not voting counts as against)"),
]

# Today's abstention policies say exactly what the two first bases say.
FORWARD = {"excluded": "votes_cast", "counted_against": "present"}


def base_from_abstention_policy(apps: Any, schema_editor: Any) -> None:
    rules = apps.get_model("governance", "DecisionRules")
    for policy, base in FORWARD.items():
        rules.objects.filter(abstention_policy=policy).update(
            majority_base_first_call=base, majority_base_second_call=base
        )


def abstention_policy_from_base(apps: Any, schema_editor: Any) -> None:
    # Going back loses the distinction between the calls; the first call decides, and the
    # base of all members, which also counts abstentions against, reads as counted_against.
    rules = apps.get_model("governance", "DecisionRules")
    rules.objects.filter(majority_base_first_call="votes_cast").update(
        abstention_policy="excluded"
    )
    rules.objects.exclude(majority_base_first_call="votes_cast").update(
        abstention_policy="counted_against"
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="decisionrules",
            name="majority_base_first_call",
            field=models.CharField(choices=BASE_CHOICES, default="votes_cast", max_length=32),
        ),
        migrations.AddField(
            model_name="decisionrules",
            name="majority_base_second_call",
            field=models.CharField(choices=BASE_CHOICES, default="votes_cast", max_length=32),
        ),
        # A default lets the reverse migration add the column back to existing rows.
        migrations.AlterField(
            model_name="decisionrules",
            name="abstention_policy",
            field=models.CharField(
                choices=[
                    ("excluded", "Abstentions are not votes cast"),
                    ("counted_against", "Abstentions count as against"),
                ],
                default="excluded",
                max_length=32,
            ),
        ),
        migrations.RunPython(base_from_abstention_policy, abstention_policy_from_base),
        migrations.RemoveField(model_name="decisionrules", name="abstention_policy"),
    ]
