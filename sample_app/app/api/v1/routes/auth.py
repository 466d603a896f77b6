"""OAuth2 password flow: trade a username and password for a bearer token."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import DbDep, SettingsDep, login_rate_limit
from app.core.security import create_access_token
from app.schemas.user import Token
from app.services import users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", dependencies=[Depends(login_rate_limit)])
def login_for_access_token(
    form_data: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DbDep,
    settings: SettingsDep,
) -> Token:
    user = users.authenticate(db, form_data.username, form_data.password)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(user.username, settings))
