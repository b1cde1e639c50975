"""Sphinx helpers for the book (loaded by the book build only; nothing here is imported by labs)."""
