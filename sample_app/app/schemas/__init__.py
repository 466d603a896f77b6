"""Pydantic models for request bodies and responses."""
