// ModelIO module: filled in by its issue.
