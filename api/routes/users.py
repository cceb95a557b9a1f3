"""The logged-in user's profile, password, credits and transactions."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import MAX_OFFSET, CurrentToken, CurrentUser
from api.presenters import entry_view, user_view
from api.schemas import Credits, PasswordChanged, Transactions, UserView, errors
from billing.ledger import balance, history
from studio.accounts import change_password
from studio.tokens import revoke_other_sessions

router = APIRouter(prefix="/users", tags=["users"])


class PasswordChange(BaseModel):
    current_password: str = Field(alias="currentPassword")
    new_password: str = Field(alias="newPassword")


@router.get("/profile", response_model=UserView, responses=errors(403))
def profile(user: CurrentUser) -> dict:
    """Your account: email, credits, when it was created."""
    return user_view(user)


@router.post("/password", response_model=PasswordChanged, responses=errors(403))
def password(body: PasswordChange, user: CurrentUser, token: CurrentToken) -> dict:
    """Change the password (the current one is checked, 403 if wrong) and end every other
    session of the account; this token stays valid."""
    change_password(user, body.current_password, body.new_password)
    ended = revoke_other_sessions(user, token)
    return {"changed": True, "otherSessionsEnded": ended}


@router.get("/credits", response_model=Credits, responses=errors(403))
def credits(user: CurrentUser) -> dict:
    """Your credit balance."""
    return {"credits": balance(user.id)}


@router.get("/transactions", response_model=Transactions, responses=errors(403))
def transactions(
    user: CurrentUser,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    """Ledger entries, newest first."""
    return {"transactions": [entry_view(e) for e in history(user.id, limit, offset)]}
