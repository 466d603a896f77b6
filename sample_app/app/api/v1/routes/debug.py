"""Development-only routes: create_app() includes this router only when DEBUG is true."""

import logging
import os

from fastapi import APIRouter, status

router = APIRouter(prefix="/debug", tags=["debug"])

logger = logging.getLogger(__name__)


@router.post("/crash", status_code=status.HTTP_204_NO_CONTENT)
def crash() -> None:
    """Kill the server process at once with exit code 3, as a real crash would.

    asgideck's crash-detection tests call this to check that a dying server is noticed
    and reported. `os._exit` skips cleanup on purpose: no lifespan shutdown, no response.
    """
    logger.critical("POST /debug/crash: exiting with code 3 on request")
    os._exit(3)
