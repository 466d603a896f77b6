from fastapi import FastAPI

from app.config import settings

app = FastAPI()


@app.get("/")
def root():
    return {"db": settings.database_url.split("@")[-1]}
