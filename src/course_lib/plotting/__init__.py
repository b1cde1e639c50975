"""Matplotlib figures for the book (one submodule per topic) and ipywidgets explorers, each with a
static fallback so that a page reads well without a kernel."""
