// Reports module: filled in by its issue.
