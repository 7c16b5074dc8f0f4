"""Settings of the casting benchmark: the test settings with a URLconf that adds a bare endpoint."""

from config.settings_test import *  # noqa: F403

ROOT_URLCONF = "bench.voting_cast_urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
