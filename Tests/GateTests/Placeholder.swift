// Gate tests: filled in by its issue.
