"""Settings of the casting benchmark: production settings with a URLconf that adds a bare
endpoint. The environment (bench.common.production_env) supplies the keys, the scratch
database and Redis."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.voting_cast_urls"
