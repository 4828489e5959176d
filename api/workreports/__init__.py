"""Researchers' monthly and semester reports (.docx) and schools' quota sheets (.xlsx)."""
