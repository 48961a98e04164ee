"""paperbrief.summarize stage."""
