"""A server out of database connections answers 503 service_busy, not 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from psycopg_pool import ConnectionPool

from core.errors import exception_handler


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_exhausted_pool_answers_503_with_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    params = connection.get_connection_params()
    conninfo = " ".join(
        f"{key}={params[key]}" for key in ("dbname", "user", "host", "port") if params.get(key)
    )
    pool = ConnectionPool(conninfo, min_size=1, max_size=1, timeout=0.2, open=True)
    held = pool.getconn()
    try:
        with pytest.raises(OperationalError) as raised, connection.wrap_database_errors:
            pool.getconn()
    finally:
        pool.putconn(held)
        pool.close()
    with caplog.at_level("WARNING", logger="core.errors"):
        response = exception_handler(raised.value, {})
    assert response is not None
    assert response.status_code == 503
    # The operator's log says which service was away; the client is only told to retry.
    assert "couldn't get a connection" in caplog.text
    assert response.headers["Retry-After"] == "1"
    assert response.data["code"] == "service_busy"


def test_other_database_errors_are_left_to_the_500_handler() -> None:
    assert exception_handler(OperationalError("the server closed the connection"), {}) is None
