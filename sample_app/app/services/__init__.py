"""Data access and business rules, free of HTTP concerns."""
