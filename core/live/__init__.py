"""The live room, built once: a numbered, replayable event log (`log`), the WebSocket
consumer that serves it (`consumer`), who is present (`presence`), pushes coalesced per
key (`coalesce`) and the end of a session (`signals`). Proposal and assembly rooms are
configurations of these."""
