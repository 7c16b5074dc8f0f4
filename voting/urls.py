"""Routes of the voting app, under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from voting.api import ballots, decisions, proxies, votes

coop = "cooperatives/<slug:slug>/"
vote = "votes/<int:vote_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(coop + "votes/", votes.VoteListCreateApi.as_view(), name="api-votes"),
    path(coop + "decisions/", decisions.DecisionListApi.as_view(), name="api-decisions"),
    path(coop + "decisions/<int:pk>/", decisions.DecisionDetailApi.as_view(), name="api-decision"),
    path(vote, votes.VoteDetailApi.as_view(), name="api-vote"),
    path(vote + "schedule/", votes.VoteScheduleApi.as_view(), name="api-vote-schedule"),
    path(vote + "open/", votes.VoteOpenApi.as_view(), name="api-vote-open"),
    path(vote + "close/", votes.VoteCloseApi.as_view(), name="api-vote-close"),
    path(vote + "cancel/", votes.VoteCancelApi.as_view(), name="api-vote-cancel"),
    path(vote + "ballots/", ballots.BallotListCastApi.as_view(), name="api-vote-ballots"),
    path(vote + "me/", ballots.ParticipationApi.as_view(), name="api-vote-me"),
    path(vote + "roll/", ballots.RollApi.as_view(), name="api-vote-roll"),
    path(vote + "turnout/", ballots.TurnoutApi.as_view(), name="api-vote-turnout"),
    path(vote + "result/", ballots.ResultApi.as_view(), name="api-vote-result"),
    path(vote + "box/", ballots.BoxApi.as_view(), name="api-vote-box"),
    path(vote + "trackers/", ballots.TrackerListApi.as_view(), name="api-vote-trackers"),
    path(vote + "receipt-check/", ballots.ReceiptCheckApi.as_view(), name="api-vote-receipt"),
    path(vote + "proxies/", proxies.ProxyListGiveApi.as_view(), name="api-vote-proxies"),
    path(
        vote + "proxies/<int:pk>/revoke/",
        proxies.ProxyRevokeApi.as_view(),
        name="api-vote-proxy-revoke",
    ),
    path(vote + "objections/", proxies.ObjectionListRaiseApi.as_view(), name="api-vote-objections"),
    path(vote + "objections/<int:pk>/withdraw/", proxies.ObjectionWithdrawApi.as_view()),
    path(vote + "objections/<int:pk>/resolve/", proxies.ObjectionResolveApi.as_view()),
    path(vote + "objections/<int:pk>/uphold/", proxies.ObjectionUpholdApi.as_view()),
]
