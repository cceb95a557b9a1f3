"""Register, log in and log out."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CallerAddress, CurrentToken, CurrentUser
from api.presenters import user_view
from api.schemas import LoggedOut, Session, errors
from billing.signup import register as register_account
from studio.accounts import authenticate
from studio.ratelimit import hit, refuse_if_exhausted
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
    refuse_if_exhausted("signups", address, "too many new accounts from this address today")
    user = register_account(body.email, body.password)
    hit("signups", address)
    return {"token": issue_token(user), "user": user_view(user)}


@router.post("/login", response_model=Session)
def login(body: Credentials, address: CallerAddress) -> dict:
    """Exchange email and password for a token (429 after too many failures)."""
    user = authenticate(body.email, body.password, address)
    return {"token": issue_token(user), "user": user_view(user)}


@router.post("/logout", response_model=LoggedOut)
def logout(user: CurrentUser, token: CurrentToken) -> dict:
    """End this session: the token answers 401 from now on. With an API key nothing ends
    (`loggedOut: false`): keys are revoked with DELETE /keys/{id}."""
    return {"loggedOut": revoke_token(token)}
