// Tokenizer module: filled in by its issue.
