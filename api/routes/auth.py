"""Register and log in."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.presenters import user_view
from billing.signup import register as register_account
from studio.accounts import authenticate
from studio.tokens import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    email: str
    password: str


@router.post("/register", status_code=201)
def register(body: Credentials) -> dict:
    """Create an account (50 free credits) and return a token."""
    user = register_account(body.email, body.password)
    return {"token": issue_token(user), "user": user_view(user)}


@router.post("/login")
def login(body: Credentials) -> dict:
    """Exchange email and password for a token."""
    user = authenticate(body.email, body.password)
    return {"token": issue_token(user), "user": user_view(user)}
