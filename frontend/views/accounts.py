"""Sign-in behind the login throttle; one's API tokens and signing out everywhere."""

from __future__ import annotations

from typing import Any

from allauth.account.views import LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from frontend.forms import SignInForm
from frontend.views.common import page_view, signed_in
from governance import tokens


class SignInView(LoginView):
    """allauth's sign-in (username or e-mail, single sign-on buttons, reset link) with the
    login throttle: past the limit, 429 with Retry-After."""

    template_name = "frontend/login.html"
    form_class = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(throttled.retry_after)
        return response


@page_view
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens: issue one (shown once), revoke one, or sign out everywhere."""
    person = signed_in(request)
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            with transaction.atomic():
                _token, new_key = tokens.api_token_create(person=person)
        elif action == "revoke":
            with transaction.atomic():
                tokens.api_token_revoke(person=person, token_key=request.POST.get("id", ""))
            messages.success(request, _("The token was revoked."))
            return HttpResponseRedirect(reverse("frontend:api_tokens"))
        elif action == "everywhere":
            with transaction.atomic():
                tokens.person_sign_out_everywhere(person=person)
            logout(request)
            messages.success(request, _("You were signed out everywhere."))
            return HttpResponseRedirect(reverse("frontend:login"))
    context = {
        "tokens": list(tokens.api_token_list(person=person)),
        "new_key": new_key,
        "ttl_days": round(settings.API_TOKEN_TTL_DAYS),
        "nav": "tokens",
    }
    return render(request, "frontend/api_tokens.html", context)
