"""Sign-in and sign-out pages, and the two legs of single sign-on. Thin: the checks live in
``accounts.oidc`` and the account in ``accounts.services``; refusals come back as typed errors
and are shown on the sign-in page with their status."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.errors import AccountDisabled, SignOnDenied, SignOnExpired, SignOnNotConfigured
from accounts.oidc import provider_check
from accounts.selectors import sign_in_options
from core.errors import DomainError, TooManyRequests
from core.roles import Role, user_has_role
from core.security import client_address, sign_in_check, sign_in_failed

logger = logging.getLogger("accounts.sign_on")

# Refusals that an attacker's replayed or forged answers cause; they count against the address
# like failed passwords, so a flood of them is throttled. A provider that is down does not.
_COUNTED = ("sign_on_expired", "sign_on_token_invalid", "sign_on_denied")


class SignInForm(AuthenticationForm):
    """Django's sign-in form; a throttled attempt (core.security) becomes a form error that
    says how long to wait, instead of an error page. When single sign-on is the way in and
    local accounts are off, only administrators keep their password (for when the provider
    is down)."""

    throttled: TooManyRequests | None = None

    def clean(self):
        try:
            return super().clean()
        except TooManyRequests as error:
            self.throttled = error
            raise forms.ValidationError(error.message, code=error.code) from None

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not sign_in_options().local_accounts and not user.is_superuser:
            raise forms.ValidationError(
                _("Local accounts are off here: sign in through %(name)s.")
                % {"name": settings.OIDC_PROVIDER_NAME},
                code="local_sign_in_off",
            )


def _sign_in_context(request: HttpRequest) -> dict:
    return {"sign_in": sign_in_options(), "next": request.GET.get(REDIRECT_FIELD_NAME, "")}


class SignInView(LoginView):
    """The sign-in page. A refused attempt answers 400 (wrong name or password), 403 (local
    accounts are off) or 429 (too many failures, with Retry-After), so scripts and monitors
    see what browsers show."""

    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sign_in": sign_in_options()}

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        throttled = form.throttled
        off = any(error.code == "local_sign_in_off" for error in form.non_field_errors().data)
        response = self.render_to_response(
            self.get_context_data(
                form=form,
                throttled=throttled.message if throttled else None,
                local_off=off,
            )
        )
        response.status_code = throttled.status_code if throttled else (403 if off else 400)
        if throttled:
            response["Retry-After"] = str(throttled.retry_after)
        return response


def _refusal_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The sign-in page, saying why the single sign-on was refused, with the error's status;
    the refusal is logged (never a token or a code)."""
    address = client_address(request)
    logger.warning("sign-on refused (%s) for %s: %s", error.code, address, error.message)
    if error.code in _COUNTED:
        sign_in_failed(username=None, address=address)
    context = {
        **_sign_in_context(request),
        "form": SignInForm(request),
        "sign_on_error": error.message,
        "sign_on_error_code": error.code,
    }
    response = render(request, "accounts/sign_in.html", context, status=error.status_code)
    if isinstance(error, TooManyRequests):
        response["Retry-After"] = str(error.retry_after)
    return response


class SignOnStartView(OIDCAuthenticationRequestView):
    """``/sso/start/``: sends the browser to the provider (state, nonce and PKCE kept in the
    session), after checking that the provider answers."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            if not settings.OIDC_ENABLED:
                raise SignOnNotConfigured(_("Single sign-on is not configured on this platform."))
            sign_in_check(username=None, address=client_address(request))
            provider_check()
        except DomainError as error:
            return _refusal_page(request, error)
        return super().get(request)


class SignOnCallbackView(OIDCAuthenticationCallbackView):
    """``/sso/callback/``: where the provider sends the browser back. Every way it can fail
    ends on the sign-in page with the reason and its status; nothing is stored unless the
    sign-on succeeds."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._complete(request)
        except DomainError as error:
            return _refusal_page(request, error)

    def _complete(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise SignOnNotConfigured(_("Single sign-on is not configured on this platform."))
        sign_in_check(username=None, address=client_address(request))
        states = request.session.get("oidc_states") or {}
        state = request.GET.get("state", "")
        if request.GET.get("error"):
            states.pop(state, None)  # a refused sign-in cannot be resumed
            request.session.modified = True
            raise SignOnDenied(
                _("The sign-on service did not sign you in (%(error)s).")
                % {"error": request.GET["error"][:60]}
            )
        if not request.GET.get("code") or state not in states:
            raise SignOnExpired(
                _(
                    "This sign-in cannot be completed: it was started in another browser, took "
                    "too long, or was completed already. Start again."
                )
            )
        response = super().get(request)
        if not request.user.is_authenticated:
            raise AccountDisabled(_("This account may not sign in. Ask an administrator."))
        return response

    @property
    def success_url(self) -> str:
        return self.request.session.get("oidc_login_next") or resolve_url("signed-in")


class SignOutView(LogoutView):
    """Signs out here, and at the provider too when the session came from single sign-on and
    the provider offers RP-initiated logout (``OIDC_OP_LOGOUT_ENDPOINT``)."""

    next_page = "public_map:home"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if not (id_token and settings.OIDC_ENABLED and settings.OIDC_OP_LOGOUT_ENDPOINT):
            return response
        query = urlencode(
            {
                "id_token_hint": id_token,
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "post_logout_redirect_uri": request.build_absolute_uri(response["Location"]),
            }
        )
        return HttpResponseRedirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}")


@never_cache
@require_GET
def signed_in(request: HttpRequest) -> HttpResponse:
    """Where a sign-in without a ``next`` page lands: the editor for staff, the courier view
    for couriers, the public map for citizens."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("editor:editor")
    if user_has_role(request.user, Role.COURIER):
        return redirect("delivery:courier")
    return redirect("public_map:home")
