"""Why a signature is refused. Public: ``SignatureError`` and its subclasses.

Each refusal has its own class with a stable ``code`` (for APIs, logs and
tests) and a translated message a person can act on; ``str(error)`` is that
message in the active language.
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class SignatureError(Exception):
    """A signature (or signing) refused; ``message`` is shown to the user as is."""

    code: ClassVar[str] = "signature_error"
    default_message: ClassVar[str | Promise] = _("The signature cannot be accepted.")

    def __init__(self, message: str | Promise | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class Garbage(SignatureError):
    code = "garbage"
    default_message = _(
        "The file is not a signature the portal can read (a CMS/PKCS#7 signature is expected)."
    )


class UnsupportedAlgorithm(SignatureError):
    # GOST 34.310 signatures land here until a GOST verifier is plugged in.
    code = "unsupported_algorithm"
    default_message = _("The signature uses an algorithm the portal cannot check yet.")


class DigestMismatch(SignatureError):
    code = "digest_mismatch"
    default_message = _("The signature does not match the document: the document was changed after signing.")


class BadSignature(SignatureError):
    code = "bad_signature"
    default_message = _(
        "The signature is damaged: it was not made with the key of the certificate it carries."
    )


class Untrusted(SignatureError):
    code = "untrusted"
    default_message = _("The signer's certificate was not issued by a trusted certification authority.")


class Expired(SignatureError):
    code = "expired"
    default_message = _("The signer's certificate had expired.")


class NotYetValid(SignatureError):
    code = "not_yet_valid"
    default_message = _("The signer's certificate was not valid yet.")


class Revoked(SignatureError):
    code = "revoked"
    default_message = _("The signer's certificate has been revoked by the certification authority.")


class CrlStale(SignatureError):
    code = "crl_stale"
    default_message = _(
        "The certification authority's revocation list is out of date, so the certificate "
        "cannot be checked now; please try again later."
    )


class CrlInvalid(SignatureError):
    code = "crl_invalid"
    default_message = _(
        "A revocation list is not signed by the certification authority it names; it cannot be used."
    )


class WrongKeyUsage(SignatureError):
    code = "wrong_key_usage"
    default_message = _(
        "This certificate is not for signing documents (it is an authentication key); "
        "please sign with your signing key."
    )


class NoSigningCertificate(SignatureError):
    code = "no_certificate"
    default_message = _("You have no valid signing certificate; ask the administrator.")


class SigningKeyUnavailable(SignatureError):
    code = "key_unavailable"
    default_message = _("Your signing key cannot be opened; ask the administrator.")


class CrlNotLoaded(SignatureError):
    # With no list of the issuing CA to hand, revocation went unchecked: the
    # signer's name and IIN cannot be trusted yet.
    code = "crl_not_loaded"
    default_message = _(
        "The revocation list of the certificate authority has not been loaded yet; try again later."
    )
