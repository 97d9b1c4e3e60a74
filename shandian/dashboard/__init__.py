"""The web dashboard: a separate process that shows a running engine and sends it commands.

It reads the state snapshot the engine publishes in C++ (`Engine.publish_state`, a seqlock'd shared-memory
file) and tails the journal (fills, commands), and sends commands over the engine's command socket
(`shandian.engine.remote`). Serving HTTP and WebSocket here, not in the engine process, keeps the event
loop and its GIL away from the agents' callbacks: the engine never waits for a client.

Modules: `auth` (tokens, roles, the command rate limit), `link` (the engine side: socket, snapshot,
journal), `hub` (state -> WebSocket deltas, coalesced per client), `server` (FastAPI app), `fleet_page`
(the fleet page: every engine of a `shandian fleet`, from the fleet's files), `__main__`.
"""
