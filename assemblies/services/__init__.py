"""Every write of the assemblies app, re-exported from its sub-domain modules."""

from assemblies.services.attendance import (
    BATCH_CHECK_IN_MAX,
    BatchCheckIn,
    attendance_check_in,
    attendance_check_in_batch,
    attendance_check_out,
)
from assemblies.services.attendance_counts import (
    call_attendance_checked,
    call_attendance_recount,
)
from assemblies.services.booth import assembly_ballot_cast, assembly_e2e_ballot_cast
from assemblies.services.convocation import (
    assembly_convene,
    assembly_convene_second_call,
    convocation_counts_refresh,
    convocations_resend,
    convocations_send,
)
from assemblies.services.elections import candidate_add, election_declare
from assemblies.services.intents import attendance_intent_declare
from assemblies.services.items import item_close, item_open
from assemblies.services.minutes import minutes_generate, minutes_sign
from assemblies.services.participation import (
    assembly_proxy_give,
    assembly_proxy_revoke,
    postal_vote_submit,
)
from assemblies.services.preparation import (
    agenda_item_add,
    agenda_item_remove,
    assembly_create,
    assembly_update,
    document_add,
)
from assemblies.services.session import (
    assembly_cancel,
    assembly_close,
    assembly_open,
    assembly_record_no_quorum,
)

__all__ = [
    "agenda_item_add",
    "agenda_item_remove",
    "assembly_ballot_cast",
    "assembly_cancel",
    "assembly_e2e_ballot_cast",
    "assembly_close",
    "assembly_convene",
    "assembly_convene_second_call",
    "assembly_create",
    "convocation_counts_refresh",
    "assembly_open",
    "assembly_proxy_give",
    "assembly_proxy_revoke",
    "assembly_record_no_quorum",
    "assembly_update",
    "BATCH_CHECK_IN_MAX",
    "BatchCheckIn",
    "attendance_check_in",
    "attendance_check_in_batch",
    "attendance_intent_declare",
    "attendance_check_out",
    "call_attendance_checked",
    "call_attendance_recount",
    "candidate_add",
    "convocations_resend",
    "convocations_send",
    "document_add",
    "election_declare",
    "item_close",
    "item_open",
    "minutes_generate",
    "minutes_sign",
    "postal_vote_submit",
]
