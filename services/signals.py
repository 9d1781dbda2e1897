"""Signals of the services app. Public: ``application_state_changed``.

``application_state_changed`` is sent by ``services.services`` inside the
transaction of every transition that changes an application's state, right
after the change is audited, with the keyword arguments
``application_id``, ``audit_entry_id``, ``action``, ``from_state``,
``to_state`` and ``channel``. Receivers run in that transaction: what they
write commits or rolls back with the change itself (the gateway's status
outbox relies on this); anything they send out waits for
``transaction.on_commit``. A receiver that raises refuses the transition.
"""

from __future__ import annotations

from django.dispatch import Signal

application_state_changed = Signal()
