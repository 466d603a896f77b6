from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.worker import create_task

app = FastAPI()


@app.post("/tasks", status_code=201)
def run_task(payload: dict):
    task = create_task.delay(int(payload["type"]))
    return JSONResponse({"task_id": task.id})
