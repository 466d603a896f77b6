from fastapi import APIRouter, Depends

from ..dependencies import get_token_header  # noqa: TID252  (the docs' layout)

router = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(get_token_header)])


@router.get("/")
async def read_items() -> dict[str, str]:
    return {"plumbus": "Plumbus"}
