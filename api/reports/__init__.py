"""Downloadable lesson reports: the Word 听课记录 and the Excel sheet of scores."""
