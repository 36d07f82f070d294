from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fangyi.accounts.services import login_authenticate
from fangyi.core.api_errors import client_ip
from fangyi.core.errors import DomainError


def login_view(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            user = login_authenticate(
                request=request,
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                ip_address=client_ip(request),
            )
        except DomainError as exc:
            error = exc.render_message()
        else:
            login(request, user)
            return redirect(request.POST.get("next") or "web:home")
    return render(request, "web/login.html", {"error": error, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {})
