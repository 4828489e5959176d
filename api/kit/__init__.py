"""Helpers shared by pages and the API: static assets, response compression."""
