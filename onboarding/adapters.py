"""django-allauth adapters: who may sign up, and where e-mail links point."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

# The session key the public application page sets before sending a candidate to sign up.
APPLY_SESSION_KEY = "onboarding_apply_to"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts are made by invitation, or by a candidate who comes from the public
        application page of a cooperative that takes applications."""
        from governance.models import Cooperative

        slug = request.session.get(APPLY_SESSION_KEY) if hasattr(request, "session") else None
        return bool(slug) and Cooperative.objects.filter(slug=slug, applications_open=True).exists()

    def get_email_verification_redirect_url(self, email_address: Any) -> str | None:
        request = self.request
        slug = request.session.get(APPLY_SESSION_KEY) if request is not None else None
        if slug:
            from django.urls import reverse

            return reverse("frontend:apply", kwargs={"slug": slug})
        return super().get_email_verification_redirect_url(email_address)

    def get_from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        """An organisation's single sign-on makes the accounts of its agents; what they may
        read still comes from the board's designations."""
        return True
