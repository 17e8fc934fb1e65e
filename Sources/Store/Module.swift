// Store module: filled in by its issue.
