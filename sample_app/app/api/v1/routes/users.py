"""Sign-up, the current user, and the user list."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, status

from app.api.deps import CurrentUser, DbDep, SettingsDep, common_parameters
from app.schemas.user import UserCreate, UserPublic
from app.services import users
from app.services.welcome import send_welcome_email

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(
    data: UserCreate, db: DbDep, settings: SettingsDep, background_tasks: BackgroundTasks
) -> UserPublic:
    try:
        user = users.create_user(db, data)
    except users.UsernameTaken:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="Username already registered"
        ) from None
    # Both run after the response is sent: a slow or failing mail server never
    # delays or fails the sign-up itself.
    background_tasks.add_task(users.record_signup, user.username)
    background_tasks.add_task(send_welcome_email, user, settings)
    return user


@router.get("/me")
def read_current_user(current_user: CurrentUser) -> UserPublic:
    return current_user


@router.get("")
def list_users(
    commons: Annotated[dict[str, Any], Depends(common_parameters)],
    db: DbDep,
    _: CurrentUser,
) -> list[UserPublic]:
    return users.list_users(db, **commons)
