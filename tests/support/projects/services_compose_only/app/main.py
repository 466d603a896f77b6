import os

import redis.asyncio as redis
from fastapi import FastAPI

app = FastAPI()
cache = redis.Redis(
    host=os.getenv("REDIS_HOST", "localhost"), port=int(os.getenv("REDIS_PORT", "6380"))
)


@app.get("/hits")
async def hits():
    return {"hits": await cache.incr("hits")}
