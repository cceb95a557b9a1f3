"""API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser
from api.presenters import key_view
from api.schemas import ApiKeyList, ApiKeyView, NewApiKey, errors
from studio.api_keys import SCOPES, create_key, list_keys, revoke_key

router = APIRouter(prefix="/keys", tags=["api keys"])


class KeyRequest(BaseModel):
    name: str = Field(max_length=100, examples=["nightly renders"])
    scopes: list[str] = Field(
        default_factory=list,
        max_length=len(SCOPES),
        description=f"Empty: everything the account may do. Any of {', '.join(SCOPES)}",
        examples=[["jobs:read", "jobs:write"]],
    )


@router.post("", status_code=201, response_model=NewApiKey, responses=errors(401, 403, 422))
def create(body: KeyRequest, user: CurrentUser) -> dict:
    """Create an API key; `key` is the secret, shown in this answer only."""
    key, secret = create_key(user, body.name, body.scopes)
    return {**key_view(key), "key": secret}


@router.get("", response_model=ApiKeyList, responses=errors(401, 403))
def keys(user: CurrentUser) -> dict:
    """The account's keys (prefix, name, scopes, last use), revoked ones included."""
    return {"keys": [key_view(k) for k in list_keys(user)]}


@router.delete("/{key_id}", response_model=ApiKeyView, responses=errors(401, 403, 404))
def revoke(key_id: str, user: CurrentUser) -> dict:
    """Revoke a key: it answers 401 from now on."""
    return key_view(revoke_key(user, key_id))
