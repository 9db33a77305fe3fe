"""The country and initiative pages, one module per page family."""
