"""Peer sessions: one host grades a study group's answers by running them.

`protocol` is the wire contract (docs/peer-protocol.md) and is all a participant needs, with
`client`; `hub` (the websockets server), `grading`, `scoring` and `journal` (the session's durable
state) run on the host only. Importing this package imports none of them.
"""
