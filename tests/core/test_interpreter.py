"""The ASGI server's switch interval: set when configured, Python's own when 0."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from core import interpreter


@pytest.fixture
def restored() -> Iterator[float]:
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_the_server_sets_its_switch_interval(restored: float) -> None:
    interpreter.install(0.002)

    assert sys.getswitchinterval() == pytest.approx(0.002)


def test_zero_leaves_the_interpreter_s_own(restored: float) -> None:
    interpreter.install(0)

    assert sys.getswitchinterval() == restored


def test_the_tests_import_the_asgi_application_without_changing_it(restored: float) -> None:
    import config.asgi  # noqa: F401

    assert sys.getswitchinterval() == restored
