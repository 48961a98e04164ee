"""paperbrief.deliver stage."""
