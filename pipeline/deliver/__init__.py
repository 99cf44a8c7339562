"""Deliver: send what a reviewer approved, once, and record it.

In: the outbox (pipeline.outbox): digests whose drafts a person approved, and the [delivery.*]
settings with the names of the environment variables that hold the secrets. Out: the email on an
SMTP server, statuses on Mastodon, records on Bluesky, composer links for the networks sent by
hand (X, Threads, LinkedIn); each draft marked ``sent`` in its manifest with the time and the
network's id, and a DeliveryReport saying what happened to each.

Modules: walk.py (walks the approved drafts, marks ``sending`` then ``sent``), ledger.py (the
record of what went out in the state store, pipeline.sent, checked before sending), email.py (SMTP),
mastodon.py and bluesky.py (their HTTP APIs, over http.py), composer.py (share URLs), base.py (the
records, errors and secrets they share). A new API sender goes beside them and into
walk.SENDERS.
"""
from pipeline.deliver.base import DeliveryError, DeliveryReport, Outcome
from pipeline.deliver.walk import deliver

__all__ = ["DeliveryError", "DeliveryReport", "Outcome", "deliver"]
