"""Routes of the assemblies app, under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from assemblies.api import agenda, documents, lifecycle, participation

one = "assemblies/<int:pk>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "cooperatives/<slug:slug>/assemblies/",
        lifecycle.AssemblyListCreateApi.as_view(),
        name="api-assemblies",
    ),
    path(one, lifecycle.AssemblyDetailApi.as_view(), name="api-assembly"),
    path(one + "convene/", lifecycle.AssemblyConveneApi.as_view()),
    path(one + "second-call/", lifecycle.AssemblySecondCallApi.as_view()),
    path(one + "open/", lifecycle.AssemblyOpenApi.as_view()),
    path(one + "no-quorum/", lifecycle.AssemblyNoQuorumApi.as_view()),
    path(one + "close/", lifecycle.AssemblyCloseApi.as_view()),
    path(one + "cancel/", lifecycle.AssemblyCancelApi.as_view()),
    path(one + "quorum/", lifecycle.AssemblyQuorumApi.as_view()),
    path(one + "items/", agenda.AgendaItemAddApi.as_view()),
    path(one + "items/<int:item_id>/", agenda.AgendaItemRemoveApi.as_view()),
    path(one + "items/<int:item_id>/open/", agenda.AgendaItemOpenApi.as_view()),
    path(one + "items/<int:item_id>/close/", agenda.AgendaItemCloseApi.as_view()),
    path(one + "items/<int:item_id>/candidates/", agenda.CandidateAddApi.as_view()),
    path(one + "documents/", agenda.AssemblyDocumentAddApi.as_view()),
    path(one + "resolutions/<int:resolution_id>/ballots/", agenda.BoothCastApi.as_view()),
    path(
        one + "resolutions/<int:resolution_id>/encrypted-ballots/",
        agenda.BoothE2ECastApi.as_view(),
        name="api-assembly-e2e-ballots",
    ),
    path(one + "convocations/", participation.ConvocationListApi.as_view()),
    path(one + "proxies/", participation.AssemblyProxyListGiveApi.as_view()),
    path(one + "proxies/<int:proxy_id>/revoke/", participation.AssemblyProxyRevokeApi.as_view()),
    path(one + "postal-votes/", participation.PostalVoteListSubmitApi.as_view()),
    path(one + "attendance/", participation.AttendanceListCheckInApi.as_view()),
    path(one + "attendance/batch/", participation.AttendanceBatchCheckInApi.as_view()),
    path(
        one + "attendance/<int:attendance_id>/check-out/",
        participation.AttendanceCheckOutApi.as_view(),
    ),
    path(one + "minutes/", documents.MinutesApi.as_view(), name="api-assembly-minutes"),
    path(one + "minutes/html/", documents.MinutesHtmlApi.as_view()),
    path(one + "minutes/pdf/", documents.MinutesPdfApi.as_view()),
    path(one + "events/", documents.AssemblyEventListApi.as_view()),
]
