// Llama module: filled in by its issue.
