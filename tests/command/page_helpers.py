"""What the command page tests share: the clock, an English client signed in as a user, page text,
and a directive issued through the service."""

import datetime as dt

from django.test import Client

from fangyi.command import services

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# 2020-02-01 12:00 in Shanghai.
NOW = dt.datetime(2020, 2, 1, 4, tzinfo=dt.UTC)


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def page_of(response) -> str:
    return response.content.decode()


def issue(actor, issuer: str, targets: list[str], *, down_to: str = "county", hours: int = 48, **extra):
    """A directive of `issuer` to `targets`, due `hours` after NOW."""
    fields = {"title": "加强社区封闭管理", "body": "各地立即落实。", "attachments": ()}
    fields.update(extra)
    return services.directive_issue(
        actor=actor,
        issuer=issuer,
        targets=targets,
        down_to=down_to,
        deadline=NOW + dt.timedelta(hours=hours),
        **fields,
    )
