"""paperbrief.sources stage."""
