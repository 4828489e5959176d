"""What was written on the board and shown on the slides (板书/课件), read from a lesson's video.

- ``engine``: the OCR engine (rapidocr's PP-OCR ONNX models, loaded from its wheel; the only module that
  touches rapidocr);
- ``sampling``: the video's key frames (I-frames), decoded without the frames between them;
- ``changes``: which key frames to read: those where the still part of the picture changed;
- ``tracking``: text lines across the frames read, with the first and last time each was on screen;
- ``reader``: the stage itself, from a video file to the lesson's board text.
"""
