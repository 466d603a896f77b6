"""The window over ``asgideck.runtime``: thin views that show runtime state and turn clicks
into runtime calls. ``core`` holds what every tab shares; ``tabs`` one package or module per tab.
"""
