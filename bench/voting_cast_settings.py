"""Settings of the casting benchmark: the test settings with a URLconf that adds a bare endpoint."""

from config.settings_test import *  # noqa: F403
from config.settings_test import COLLEGIA

from config import settings as product  # isort: skip

# Turnout pushes coalesce as in production, not after every ballot as in the tests.
COLLEGIA = {**COLLEGIA, "TURNOUT_PUSH_SECONDS": product.COLLEGIA["TURNOUT_PUSH_SECONDS"]}

ROOT_URLCONF = "bench.voting_cast_urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
