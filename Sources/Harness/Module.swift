// Harness module: filled in by its issue.
