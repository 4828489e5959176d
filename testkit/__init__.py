"""Helpers shared by tests/ and bench/: real processes and peers to drive the product with (api_process,
peers, load), synthetic lessons to feed it (synth_lesson, synth_board: espeak-ng Mandarin, slides and a
board drawn at known times) and the measures of what came out (text_match: character error rate)."""
