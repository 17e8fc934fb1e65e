// Training module: filled in by its issue.
