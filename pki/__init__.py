"""X.509 certificates and CMS (PKCS#7) signatures of the national CA's profile.

``pki.ca`` is a test certification authority, ``pki.cms`` signs and verifies
detached CMS signatures, ``pki.services`` issues staff certificates and signs
for staff server-side. The errors every caller catches live in ``pki.errors``
(re-exported by ``pki.cms``).
"""
