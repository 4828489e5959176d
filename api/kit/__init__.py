"""Helpers shared by the API and its pages that belong to no domain: middleware (body limit,
compression), static assets."""
