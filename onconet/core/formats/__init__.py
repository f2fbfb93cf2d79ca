"""Dates one way per language (FORMAT_MODULE_PATH): a page never mixes "12/02/2026" with "Nov. 30, 2026"."""
