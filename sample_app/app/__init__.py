"""Sample Items API: a small FastAPI project bundled with asgideck."""
