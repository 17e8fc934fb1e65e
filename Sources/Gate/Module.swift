// Gate module: filled in by its issue.
