"""Routes of the pages: sign-in, members' pages, proposals, votes, board pages."""

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from frontend.views import (
    accounts,
    assemblies,
    assembly_board,
    board_elections,
    board_people,
    board_statutes,
    e2e,
    notices,
    onboarding,
    pages,
    proposals,
    voting,
    webhooks,
)

app_name = "frontend"

coop = "c/<slug:slug>/"
proposal = "proposals/<int:pk>/"
vote = "votes/<int:pk>/"
assembly = "assemblies/<int:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says; send them to the icon.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("frontend/favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", accounts.api_tokens, name="api_tokens"),
    path("invitations/<str:token>/", onboarding.invitation_accept, name="invitation_accept"),
    path(coop + "apply/", onboarding.apply, name="apply"),
    path(coop + "board/onboarding/", onboarding.board_onboarding, name="board_onboarding"),
    path(
        coop + "board/onboarding/invitations/<int:pk>/<str:action>/",
        onboarding.invitation_act,
        name="invitation_act",
    ),
    path(
        coop + "board/onboarding/designate/<str:what>/",
        onboarding.designate_by_email,
        name="designate_by_email",
    ),
    path("organisations/", pages.territory, name="territory"),
    path("notifications/", pages.notifications, name="notifications"),
    path("accounts/preferences/", notices.preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", notices.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>/feed.ics", notices.calendar_feed, name="calendar_feed"),
    path("people/<str:username>/", pages.person, name="person"),
    path(coop, pages.cooperative_home, name="cooperative"),
    # Proposals and their debate.
    path(coop + "proposals/", proposals.proposal_list, name="proposals"),
    path(proposal, proposals.proposal_detail, name="proposal"),
    path(proposal + "live/<str:part>/", proposals.proposal_live_part, name="proposal_live_part"),
    path(proposal + "versions/<int:number>/", proposals.proposal_version, name="proposal_version"),
    path(proposal + "comments/", proposals.comment_post, name="comment_post"),
    path(proposal + "threads/", proposals.comment_threads, name="comment_threads"),
    path(
        proposal + "comments/<int:comment_id>/", proposals.comment_fragment, name="comment_fragment"
    ),
    path(
        proposal + "comments/<int:comment_id>/<str:action>/",
        proposals.comment_act,
        name="comment_act",
    ),
    path(proposal + "amendments/", proposals.amendment_propose, name="amendment_propose"),
    path(
        proposal + "amendments/<int:amendment_id>/<str:action>/",
        proposals.amendment_act,
        name="amendment_act",
    ),
    path(proposal + "vote/", voting.proposal_vote_create, name="proposal_vote_create"),
    path(proposal + "<str:action>/", proposals.proposal_act, name="proposal_act"),
    # Votes.
    path(coop + "votes/", voting.vote_list, name="votes"),
    path(vote, voting.booth, name="vote"),
    path(vote + "results/", voting.results, name="vote_results"),
    path(vote + "calendar.ics", notices.vote_calendar, name="vote_calendar"),
    path(vote + "box/", voting.box, name="vote_box"),
    path(vote + "trackers/", voting.trackers, name="vote_trackers"),
    path(vote + "bulletin/<str:uuid>/", e2e.bulletin, name="vote_bulletin"),
    path(vote + "proxies/", voting.proxy_give, name="proxy_give"),
    path(vote + "proxies/<int:proxy_id>/revoke/", voting.proxy_revoke, name="proxy_revoke"),
    path(vote + "objections/", voting.objection_raise, name="objection_raise"),
    path(vote + "objections/<int:objection_id>/", voting.objection_decide, name="objection_decide"),
    path(vote + "e2e/<str:action>/", board_elections.vote_e2e_act, name="vote_e2e_act"),
    path(vote + "<str:action>/", voting.vote_act, name="vote_act"),
    # General assemblies.
    path(coop + "assemblies/", assemblies.assembly_list, name="assemblies"),
    path(assembly, assemblies.assembly_detail, name="assembly"),
    path(assembly + "calendar.ics", assemblies.assembly_calendar, name="assembly_calendar"),
    path(assembly + "live/<str:part>/", assemblies.assembly_live_part, name="assembly_live_part"),
    path(assembly + "proxy/", assemblies.assembly_proxy_give, name="assembly_proxy_give"),
    path(
        assembly + "proxy/<int:proxy_id>/revoke/",
        assemblies.assembly_proxy_revoke,
        name="assembly_proxy_revoke",
    ),
    path(assembly + "postal/", assemblies.assembly_postal_vote, name="assembly_postal_vote"),
    path(assembly + "attend/", assemblies.assembly_attend, name="assembly_attend"),
    path(assembly + "intent/", assemblies.assembly_intent, name="assembly_intent"),
    path(
        assembly + "attendance/<int:attendance_id>/leave/",
        assemblies.assembly_leave,
        name="assembly_leave",
    ),
    path(
        assembly + "resolutions/<int:resolution_id>/ballot/",
        assemblies.assembly_ballot,
        name="assembly_ballot",
    ),
    path(assembly + "screen/", assemblies.assembly_screen, name="assembly_screen"),
    path(assembly + "minutes.<str:fmt>", assemblies.assembly_minutes, name="assembly_minutes_file"),
    path(assembly + "minutes/sign/", assembly_board.assembly_minutes_sign, name="minutes_sign"),
    path(assembly + "prepare/", assembly_board.assembly_prepare, name="assembly_prepare"),
    path(assembly + "items/", assembly_board.assembly_item_add, name="assembly_item_add"),
    path(
        assembly + "items/<int:item_id>/remove/",
        assembly_board.assembly_item_remove,
        name="assembly_item_remove",
    ),
    path(
        assembly + "items/<int:item_id>/candidates/",
        assembly_board.assembly_candidate_add,
        name="assembly_candidate_add",
    ),
    path(
        assembly + "items/<int:item_id>/<str:action>/",
        assembly_board.assembly_item_act,
        name="assembly_item_act",
    ),
    path(
        assembly + "documents/", assembly_board.assembly_document_add, name="assembly_document_add"
    ),
    path(
        assembly + "convocations/",
        assembly_board.assembly_convocations,
        name="assembly_convocations",
    ),
    path(assembly + "desk/", assembly_board.assembly_desk, name="assembly_desk"),
    path(assembly + "desk/check-in/", assembly_board.assembly_check_in, name="assembly_check_in"),
    path(
        assembly + "desk/check-in/batch/",
        assembly_board.assembly_check_in_batch,
        name="assembly_check_in_batch",
    ),
    path(assembly + "chair/", assembly_board.assembly_chair, name="assembly_chair"),
    path(assembly + "<str:action>/", assembly_board.assembly_act, name="assembly_act"),
    # Board pages.
    path(coop + "board/colleges/", board_statutes.colleges, name="board_colleges"),
    path(coop + "board/rules/", board_statutes.rules, name="board_rules"),
    path(
        coop + "board/rules/composition/",
        board_statutes.rules_composition,
        name="board_rules_composition",
    ),
    path(coop + "board/members/", board_people.members, name="board_members"),
    path(
        coop + "board/members/<int:pk>/admit/",
        board_people.membership_admit,
        name="membership_admit",
    ),
    path(
        coop + "board/members/<int:pk>/refuse/",
        board_people.membership_refuse,
        name="membership_refuse",
    ),
    path(
        coop + "board/members/<int:pk>/move/", board_people.membership_move, name="membership_move"
    ),
    path(coop + "board/members/<int:pk>/end/", board_people.membership_end, name="membership_end"),
    path(
        coop + "board/representatives/", board_people.representatives, name="board_representatives"
    ),
    path(
        coop + "board/representatives/<int:member_id>/designate/",
        board_people.representative_designate,
        name="representative_designate",
    ),
    path(
        coop + "board/representatives/<int:pk>/revoke/",
        board_people.representative_revoke,
        name="representative_revoke",
    ),
    path(coop + "board/observers/", board_people.observers, name="board_observers"),
    path(
        coop + "board/observers/<int:pk>/revoke/",
        board_people.observer_revoke,
        name="observer_revoke",
    ),
    path(coop + "board/audit/", board_people.audit, name="board_audit"),
    path(
        coop + "board/electoral-boards/",
        board_elections.electoral_boards,
        name="electoral_boards",
    ),
    path(
        coop + "board/electoral-boards/<int:pk>/",
        board_elections.electoral_board,
        name="electoral_board",
    ),
    path(coop + "board/webhooks/", webhooks.endpoints, name="board_webhooks"),
    path(coop + "board/webhooks/<int:pk>/", webhooks.endpoint_detail, name="board_webhook"),
    path(
        coop + "board/webhooks/<int:pk>/messages/<str:msg_id>/replay/",
        webhooks.message_replay,
        name="board_webhook_replay",
    ),
    path(
        coop + "board/webhooks/<int:pk>/<str:action>/",
        webhooks.endpoint_act,
        name="board_webhook_act",
    ),
]
