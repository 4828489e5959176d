"""Visits, collective preparations, themed research and seminars, with attendance and materials."""
