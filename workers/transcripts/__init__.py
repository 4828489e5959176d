"""Stage 3: speech to text (faster-whisper, offline) and subtitles."""
