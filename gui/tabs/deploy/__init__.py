"""Deploy tab: a target's production files previewed, diffed, written, checked and
handed off (issue 14)."""
