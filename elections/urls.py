"""Routes of verifiable elections, under /api/v1/."""

from django.urls import URLPattern, path

from elections.api import boards, elections

board = "electoral-boards/<int:board_id>/"
vote = "votes/<int:vote_id>/e2e/"
election = "e2e/elections/<str:uuid>/"

urlpatterns: list[URLPattern] = [
    path(
        "cooperatives/<slug:slug>/electoral-boards/",
        boards.ElectoralBoardListCreateApi.as_view(),
        name="api-electoral-boards",
    ),
    path(board, boards.ElectoralBoardDetailApi.as_view(), name="api-electoral-board"),
    path(board + "ceremony/", boards.CeremonyStateApi.as_view(), name="api-ceremony"),
    path(
        board + "ceremony/certificate/",
        boards.CeremonyCertificateApi.as_view(),
        name="api-ceremony-certificate",
    ),
    path(
        board + "ceremony/commitments/",
        boards.CeremonyCommitmentsApi.as_view(),
        name="api-ceremony-commitments",
    ),
    path(
        board + "ceremony/verification-key/",
        boards.CeremonyVerificationKeyApi.as_view(),
        name="api-ceremony-verification-key",
    ),
    path(vote, elections.VoteElectionsApi.as_view(), name="api-vote-elections"),
    path(vote + "end/", elections.VoteEndBallotsApi.as_view(), name="api-vote-elections-end"),
    path(vote + "close/", elections.VoteCloseE2EApi.as_view(), name="api-vote-elections-close"),
    path(vote + "bundle/", elections.VoteBundleApi.as_view(), name="api-vote-bundle"),
    path(election, elections.BulletinBoardApi.as_view(), name="api-bulletin-board"),
    path(election + "events/", elections.BulletinEventsApi.as_view(), name="api-bulletin-events"),
    path(
        election + "archive/", elections.BulletinArchiveApi.as_view(), name="api-bulletin-archive"
    ),
    path(election + "voters/", elections.ElectionVotersApi.as_view(), name="api-election-voters"),
    path(
        election + "credentials/",
        elections.ElectionCredentialsApi.as_view(),
        name="api-election-credentials",
    ),
    path(election + "ballots/", elections.ElectionBallotApi.as_view(), name="api-election-ballots"),
    path(election + "tally/", elections.ElectionTallyApi.as_view(), name="api-election-tally"),
    path(
        election + "partial-decryptions/",
        elections.PartialDecryptionApi.as_view(),
        name="api-election-partial-decryptions",
    ),
]
