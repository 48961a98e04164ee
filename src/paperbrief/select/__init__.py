"""paperbrief.select stage."""
