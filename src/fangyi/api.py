"""The JSON API at /api/v1/: one router per app, one error shape for all of them."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fangyi.accounts.api import router as accounts_router
from fangyi.accounts.auth import API_AUTH
from fangyi.command.api import router as command_router
from fangyi.core.api import router as jobs_router
from fangyi.core.errors import DomainError
from fangyi.employment.api import router as employment_router
from fangyi.healthpass.api import router as healthpass_router
from fangyi.hospitals.api import router as hospitals_router
from fangyi.labs.api import router as labs_router
from fangyi.people.api import router as people_router
from fangyi.quarantine.api import router as quarantine_router
from fangyi.regions.api import router as regions_router
from fangyi.resumption.api import router as resumption_router
from fangyi.screening.api import router as screening_router
from fangyi.supplies.api import router as supplies_router
from fangyi.surveillance.api import router as surveillance_router
from fangyi.volunteers.api import router as volunteers_router
from fangyi.vouchers.api import router as vouchers_router

api = NinjaAPI(
    title="Fangyi API",
    version="1",
    description="防疫 — epidemic response and economic recovery. Errors are JSON {code, message}.",
    auth=API_AUTH,
    urls_namespace="api",
)

health_router = Router(tags=["health"])


@health_router.get("/health", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


api.add_router("", health_router)
api.add_router("", accounts_router)
api.add_router("/regions", regions_router)
api.add_router("/people", people_router)
api.add_router("/jobs", jobs_router)
api.add_router("/surveillance", surveillance_router)
api.add_router("/healthpass", healthpass_router)
api.add_router("/labs", labs_router)
api.add_router("/hospitals", hospitals_router)
api.add_router("/screening", screening_router)
api.add_router("/quarantine", quarantine_router)
api.add_router("/supplies", supplies_router)
api.add_router("/resumption", resumption_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/vouchers", vouchers_router)
api.add_router("/employment", employment_router)
api.add_router("/command", command_router)


def _error(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.as_dict())


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return _error(
        request,
        422,
        {"code": "validation_error", "message": _("The request is not valid."), "errors": errors},
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, {"code": "unauthenticated", "message": _("Sign in first.")})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, {"code": "not_found", "message": _("Not found.")})


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "forbidden" if exc.status_code == 403 else "http_error"
    return _error(request, exc.status_code, {"code": code, "message": str(exc)})
