"""Register, log in and log out."""

from __future__ import annotations

import html

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import CallerAddress, CurrentToken, CurrentUser
from api.presenters import user_view
from api.schemas import LoggedOut, Session, VerificationSent, errors
from billing.ledger import balance
from billing.signup import register as register_account
from billing.verification import awaiting_verification, send_verification, verify
from studio.accounts import authenticate
from studio.errors import Conflict
from studio.settings import get_settings
from studio.tokens import issue_token, revoke_token

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    email: str
    password: str


@router.post("/register", status_code=201, response_model=Session, responses=errors(409))
def register(body: Credentials, address: CallerAddress) -> dict:
    """Create an account (50 free credits) and return a token.

    A taken email answers 409 (the one thing an anonymous caller learns); 429 after
    STUDIO_SIGNUPS_PER_IP_DAY accounts from one address.
    """
    user = register_account(body.email, body.password, address)
    return {"token": issue_token(user), "user": user_view(user)}


@router.post("/login", response_model=Session)
def login(body: Credentials, address: CallerAddress) -> dict:
    """Exchange email and password for a token (429 after too many failures)."""
    user = authenticate(body.email, body.password, address)
    return {"token": issue_token(user), "user": user_view(user)}


PAGE = {"description": "A page saying the address is confirmed", "content": {"text/html": {}}}


@router.get("/verify", responses={200: PAGE, **errors(422, 429)})
def verify_email(token: str = Query("", max_length=200)) -> HTMLResponse:
    """The link in the verification email: confirms the address, adds the signup credits."""
    user = verify(token)
    studio = get_settings().resolved_public_url + "/"
    return HTMLResponse(
        f"<!doctype html><title>AI Studio</title><p>Email confirmed: you have "
        f"{balance(user.id)} credits. <a href='{html.escape(studio)}'>Open AI Studio</a></p>"
    )


@router.post(
    "/verification",
    status_code=202,
    response_model=VerificationSent,
    responses=errors(401, 403, 409, 429),
)
def resend_verification(user: CurrentUser) -> dict:
    """Send the verification email again (409 when the account is already verified)."""
    if not awaiting_verification(user):
        raise Conflict("this account is already verified", field="email")
    return {"sent": send_verification(user)}


@router.post("/logout", response_model=LoggedOut)
def logout(user: CurrentUser, token: CurrentToken) -> dict:
    """End this session: the token answers 401 from now on. With an API key nothing ends
    (`loggedOut: false`): keys are revoked with DELETE /keys/{id}."""
    return {"loggedOut": revoke_token(token)}
