"""Profile and Compare tabs: the selected profile's variables, editable (``view``), two
profiles side by side (``compare``), and their table models (``models``)."""
