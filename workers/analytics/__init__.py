"""Stage 4: lesson analytics (who speaks when, S-T analysis, talk time, questions, wait time)."""
