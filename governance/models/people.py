"""People with an account."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Person(AbstractUser):
    """Someone with an account: a member, a representative, a board member or an observer.

    The username doubles as the @handle used in mentions.
    """

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # Raised by "sign out everywhere": every session signed with the previous value ends.
    sessions_epoch = models.PositiveIntegerField(default=0, editable=False)
    # The language of the e-mails sent to this person (pages follow the browser's choice).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Raised to reset the secret address of the person's calendar feed: feed links are
    # signed with it, so every earlier link stops working.
    calendar_epoch = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash (of the password), with the sessions epoch mixed in once
        it was raised; at 0 the hash is Django's own, so existing sessions stay valid."""
        if not self.sessions_epoch:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc,no-any-return]
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "governance.Person.get_session_auth_hash",
            f"{self.password}:{self.sessions_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()
