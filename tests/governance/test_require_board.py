"""Board only, stated once: `require_board` and its one refusal, for people and the system."""

import pytest

from core.actors import SCHEDULER
from governance.errors import BoardOnly
from governance.permissions import cooperative_role, require_board
from tests.governance.factories import PersonFactory, add_member, chair_of, make_cooperative

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    cooperative = make_cooperative()
    add_member(cooperative, "Workers")
    return cooperative


def test_the_board_passes(coop) -> None:
    require_board(chair_of(coop), coop)


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_anyone_else_is_refused_with_board_only(coop, who) -> None:
    person = add_member(coop, "Workers").member.person if who == "member" else PersonFactory()
    with pytest.raises(BoardOnly) as refused:
        require_board(person, coop)
    assert refused.value.code == "board_only"
    assert refused.value.http_status == 403


def test_a_given_role_is_used_instead_of_read_again(coop, django_assert_num_queries) -> None:
    member = add_member(coop, "Workers").member.person
    role = cooperative_role(member, coop)
    with django_assert_num_queries(0), pytest.raises(BoardOnly):
        require_board(member, coop, role=role)


def test_a_precise_message_keeps_the_one_code(coop) -> None:
    with pytest.raises(BoardOnly) as refused:
        require_board(PersonFactory(), coop, message="Only the board reads this.")
    assert (refused.value.code, refused.value.message) == (
        "board_only",
        "Only the board reads this.",
    )


def test_the_scheduler_acts_as_the_system_not_as_a_person(coop) -> None:
    require_board(SCHEDULER, coop)
    assert SCHEDULER.pk is None and not SCHEDULER.is_authenticated
    assert cooperative_role(SCHEDULER, coop).can_read is False
