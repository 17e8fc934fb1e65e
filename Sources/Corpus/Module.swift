// Corpus module: filled in by its issue.
