"""Live lessons: relay tokens for publishers and viewers, the live HLS, and the live pages."""
