// Llama tests: filled in by its issue.
