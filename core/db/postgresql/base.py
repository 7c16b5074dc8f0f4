"""Django's PostgreSQL backend with the pool of `core.db.pool` (settings: ENGINE)."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base

from core.db.pool import ResilientConnectionPool


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        options = self.settings_dict["OPTIONS"].get("pool")
        pools: dict[str, Any] = self._connection_pools  # type: ignore[attr-defined]
        if self.alias != NO_DB_ALIAS and options and self.alias not in pools:
            # As Django builds its pool (django/db/backends/postgresql/base.py), with the
            # pool class swapped; the first thread to set it wins, as there.
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            pool_options = {} if options is True else {**options}
            pool_options.setdefault(
                "check",
                ResilientConnectionPool.check_connection
                if self.settings_dict["CONN_HEALTH_CHECKS"]
                else None,
            )
            pool = ResilientConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,  # type: ignore[attr-defined]
                **pool_options,
            )
            pools.setdefault(self.alias, pool)
        return super().pool
