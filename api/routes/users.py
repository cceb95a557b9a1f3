"""The logged-in user's profile, credits and transactions."""

from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import CurrentUser
from api.presenters import entry_view, user_view
from billing.ledger import balance, history

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/profile")
def profile(user: CurrentUser) -> dict:
    return user_view(user)


@router.get("/credits")
def credits(user: CurrentUser) -> dict:
    return {"credits": balance(user.id)}


@router.get("/transactions")
def transactions(
    user: CurrentUser,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    """Ledger entries, newest first."""
    return {"transactions": [entry_view(e) for e in history(user.id, limit, offset)]}
