// TensorKit tests: filled in by its issue.
