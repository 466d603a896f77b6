"""Settings, security, database and middleware shared by the whole app."""
