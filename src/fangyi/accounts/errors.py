from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError


class AccountError(DomainError):
    pass


def invalid_credentials() -> AccountError:
    return AccountError("auth.invalid_credentials", _("Wrong username or password."), status=401)


def login_throttled(minutes: int) -> AccountError:
    return AccountError(
        "auth.throttled",
        _("Too many failed sign-ins. Try again in %(minutes)s minutes."),
        status=429,
        minutes=minutes,
    )
