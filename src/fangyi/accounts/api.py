from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Status

from fangyi.accounts.auth import current_user
from fangyi.accounts.schemas import MeOut, RoleOut, TokenIn, TokenOut
from fangyi.accounts.selectors import capabilities_of, role_assignments_of
from fangyi.accounts.services import api_token_create, api_token_revoke, login_authenticate
from fangyi.core.api_errors import ERRORS_AUTH, ERRORS_READ, ERRORS_WRITE, client_ip

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **ERRORS_READ})
def me(request: HttpRequest) -> MeOut:
    user = current_user(request)
    return MeOut(
        username=user.username,
        display_name=user.display_name or user.username,
        is_superuser=user.is_superuser,
        language=get_language() or "zh-hans",
        roles=[
            RoleOut(
                role=a.role,
                role_label=str(a.get_role_display()),
                region_code=a.region.official_code,
                region_name=a.region.name,
            )
            for a in role_assignments_of(user=user)
        ],
        capabilities=capabilities_of(user=user),
    )


@router.post("/auth/token", auth=None, response={200: TokenOut, **ERRORS_AUTH})
def token_create(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a username and password for a bearer token (throttled like the login page)."""
    user = login_authenticate(
        request=request, username=payload.username, password=payload.password, ip_address=client_ip(request)
    )
    token, key = api_token_create(actor=user, name=payload.name)
    return TokenOut(token=key, expires_at=token.expires_at)


@router.delete("/auth/token", response={204: None, **ERRORS_WRITE})
def token_revoke(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request was made with."""
    header = request.headers.get("Authorization", "")
    api_token_revoke(actor=current_user(request), key=header.removeprefix("Bearer ").strip())
    return Status(204, None)
