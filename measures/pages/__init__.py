"""The web pages, one module per page family; ``common`` holds their plumbing."""
