"""Constants of the gateway app."""

from __future__ import annotations

from services.constants import State

# The changes of a gateway request that are pushed to its client. "Submitted"
# is not: a gateway request is registered in the same transaction, and the
# answer to the POST already says so.
PUSHED_STATES = (
    State.REGISTERED,
    State.IN_REVIEW,
    State.RESULT_SIGNED,
    State.REFUSAL_SIGNED,
    State.ISSUED,
)

# The keys of a request whose canonical JSON the applicant signs (all but
# the signature itself).
SIGNED_KEYS = ("messageId", "serviceCode", "officeCode", "applicant", "measureKind", "data")

# The authorisation scheme of client systems: ``Authorization: Gateway <key id>:<secret>``.
AUTH_SCHEME = "Gateway"

# Technical bounds on what one message may carry (a CMS signature with its
# certificate chain is a few kilobytes).
MAX_DATA_BYTES = 64 * 1024
MAX_SIGNATURE_CHARS = 128 * 1024
# The largest body the REST transport reads: the data, the signature, and
# room for the other fields.
MAX_BODY_BYTES = MAX_DATA_BYTES + MAX_SIGNATURE_CHARS + 16 * 1024
