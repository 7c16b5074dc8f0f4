"""The legal rules on colleges and weights, with DOMAIN.md's worked examples."""

from decimal import Decimal

from governance.validation import validate_college_weights


def weights(*pairs: tuple[str, int]) -> list[tuple[str, Decimal]]:
    return [(name, Decimal(w)) for name, w in pairs]


def test_accepts_the_delivery_platform_scic():
    report = validate_college_weights(
        weights(("Couriers", 30), ("Customers", 25), ("Restaurants", 25), ("Local authorities", 20))
    )
    assert report.ok and not report.warnings


def test_accepts_entre2mondes():
    report = validate_college_weights(
        weights(
            ("Employees", 25),
            ("Producers", 25),
            ("Users", 25),
            ("Public bodies", 15),
            ("Other partners", 10),
        )
    )
    assert report.ok


def test_refuses_the_invalid_draft_naming_both_colleges_under_ten_percent():
    report = validate_college_weights(
        weights(
            ("Workers", 30),
            ("Users", 30),
            ("Suppliers", 15),
            ("Authorities", 15),
            ("Supporters", 5),
            ("Founders", 5),
        )
    )
    assert not report.ok
    below = [p for p in report.errors if p.code == "college_weight_below_minimum"]
    assert sorted(p.subject for p in below) == ["Founders", "Supporters"]
    assert "College 'Supporters' weighs 5 %, below the legal minimum of 10 %." in [
        p.message for p in below
    ]
    assert [p.code for p in report.errors] == ["college_weight_below_minimum"] * 2


def test_refuses_a_college_above_half():
    report = validate_college_weights(weights(("Workers", 60), ("Users", 40)))
    assert [(p.code, p.subject) for p in report.errors] == [
        ("college_weight_above_maximum", "Workers")
    ]


def test_refuses_weights_not_summing_to_100():
    report = validate_college_weights(weights(("A", 30), ("B", 30), ("C", 30)))
    assert [p.code for p in report.errors] == ["college_weights_sum"]
    assert "90 %" in report.errors[0].message


def test_refuses_one_or_eleven_colleges_and_warns_below_three():
    assert "college_count" in [p.code for p in validate_college_weights(weights(("A", 100))).errors]
    eleven = validate_college_weights([(f"C{i}", Decimal(100) / 11) for i in range(11)])
    assert "college_count" in [p.code for p in eleven.errors]
    two = validate_college_weights(weights(("A", 50), ("B", 50)))
    assert two.ok and [p.code for p in two.warnings] == ["college_count_low"]


def test_refuses_duplicate_college_names():
    report = validate_college_weights(weights(("Users", 50), ("users", 50)))
    assert "college_name_duplicate" in [p.code for p in report.errors]
