import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangyi.accounts.choices import Role
from fangyi.accounts.errors import AccountError, invalid_credentials, login_throttled
from fangyi.accounts.models import ApiToken, LoginFailure, RoleAssignment, User
from fangyi.core import clock
from fangyi.core.services import audit_record
from fangyi.regions.selectors import region_get

TOKEN_PREFIX = "fy_"


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(minutes=settings.FANGYI_LOGIN_WINDOW_MINUTES)


def login_check_throttle(*, username: str, ip_address: str) -> None:
    """Refuse further attempts once a username or an address has failed too often lately."""
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    limit = settings.FANGYI_LOGIN_MAX_FAILURES
    if (
        recent.filter(username=username.lower()).count() >= limit
        or recent.filter(ip_address=ip_address).count() >= limit * 4
    ):
        raise login_throttled(settings.FANGYI_LOGIN_WINDOW_MINUTES)


def login_authenticate(*, request: HttpRequest | None, username: str, password: str, ip_address: str) -> User:
    """Check the password, throttling repeated failures. Returns the user or raises."""
    login_check_throttle(username=username, ip_address=ip_address)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username.lower(), ip_address=ip_address, at=clock.now())
        raise invalid_credentials()
    LoginFailure.objects.filter(username=username.lower()).delete()
    return user


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str = "api", days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its hash is kept."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name[:64] or "api",
        prefix=key[:12],
        key_hash=_hash_key(key),
        expires_at=clock.now() + dt.timedelta(days=days or settings.FANGYI_API_TOKEN_DAYS),
    )
    audit_record(actor=actor, action="api_token.create", obj=token)
    return token, key


def api_token_authenticate(*, key: str) -> User | None:
    """The active user behind a valid, unexpired, unrevoked token, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, actor: User, key: str) -> None:
    token = ApiToken.objects.filter(key_hash=_hash_key(key), user=actor, revoked_at__isnull=True).first()
    if token is None:
        raise AccountError("api_token.not_found", _("No such active token."), status=404)
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_token.revoke", obj=token)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    display_name: str = "",
    roles: Sequence[tuple[str, str]] = (),
    **extra: Any,
) -> User:
    """Create a user with roles [(role, region code)]; validates every role and region first."""
    if User.objects.filter(username=username).exists():
        raise AccountError("user.duplicate", _("That username is taken."), field="username", status=409)
    resolved = []
    for role, code in roles:
        if role not in Role.values:
            raise AccountError("role.invalid", _("Unknown role."), field="role")
        resolved.append((role, region_get(code=code)))
    user = User.objects.create_user(username=username, password=password, display_name=display_name, **extra)
    for role, region in resolved:
        RoleAssignment.objects.create(user=user, role=role, region=region)
    audit_record(
        actor=actor, action="user.create", obj=user, data={"roles": [[r, g.code] for r, g in resolved]}
    )
    return user
