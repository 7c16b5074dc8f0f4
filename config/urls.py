"""URL root: the API under /api/v1/, its schema and docs, the admin and the pages."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from core.docs import ApiDocsView
from core.views import api_not_found

# Includes are tried in order, each failed one at a cost: voting, which takes the ballots
# (the busiest requests), resolves first. No two apps share a route.
api_v1 = [
    path("", include("voting.urls")),
    path("", include("governance.urls")),
    path("", include("deliberation.urls")),
    path("", include("webhooks.urls")),
    path("", include("assemblies.urls")),
    path("", include("elections.urls")),
    path("", include("onboarding.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
    # django-allauth's pages (sign-up, e-mail, password reset, two-factor, single sign-on);
    # the sign-in page itself is frontend's, which adds the login throttle.
    path("accounts/", include("allauth.urls")),
]

handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
# allauth's rate limits answer with this page (status 429).
handler429 = "core.views.too_many_requests"
