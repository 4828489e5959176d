"""Shared helpers of the API and its pages that belong to no domain (middleware, …)."""
