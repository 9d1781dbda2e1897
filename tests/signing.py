"""Citizens' e-signatures in tests: certificates of the session's test CA
(trusted, with its revocation list loaded) and signed portal requests."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Literal

from django.conf import settings

from applicants.models import Applicant
from pki.ca import CaFiles, IssuedCertificate, create_ca, issue_certificate
from pki.cms import sign_detached
from pki.tasks import trusted_ca_ensure_test_ca
from services.models import Application
from services.request_document import canonical_request


def trusted_test_ca() -> CaFiles:
    """The session's test CA (``settings.PKI_CA_DIR``), trusted by the portal."""
    trusted_ca_ensure_test_ca()
    return create_ca(directory=Path(settings.PKI_CA_DIR))


def citizen_certificate(
    applicant: Applicant,
    purpose: Literal["sign", "auth"] = "sign",
    *,
    iin: str | None = None,
    ca: CaFiles | None = None,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    **overrides: Any,
) -> IssuedCertificate:
    """A certificate in the applicant's name (or with another ``iin``),
    issued by ``ca`` — the trusted test CA unless another is given."""
    return issue_certificate(
        ca=ca or trusted_test_ca(),
        iin=iin or applicant.iin,
        surname=applicant.last_name,
        given_names=applicant.first_name,
        patronymic=applicant.patronymic,
        purpose=purpose,
        not_before=not_before,
        not_after=not_after,
        **overrides,
    )


def sign_request(application: Application, cert: IssuedCertificate, data: bytes | None = None) -> bytes:
    """A detached CMS over the request as it stands in the database (or over ``data``)."""
    content = data if data is not None else canonical_request(Application.objects.get(pk=application.pk))
    return sign_detached(data=content, key=cert.key, certificate=cert.certificate)
