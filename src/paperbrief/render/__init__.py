"""paperbrief.render stage."""
