"""Qt views over ``runtime``: thin, they show runtime state and turn clicks into calls."""
