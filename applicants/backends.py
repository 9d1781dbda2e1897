"""Authentication: citizens by IIN, staff by username, one backend."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from applicants.models import User


class IinOrUsernameBackend(ModelBackend):
    """A 12-digit login is looked up as an IIN, anything else as a username."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        login = username.strip()
        lookup = {"iin": login} if login.isdigit() and len(login) == 12 else {"username": login}
        try:
            user = User.objects.get(**lookup)
        except User.DoesNotExist:
            # Spend the same time as a real check so timing tells nothing.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
