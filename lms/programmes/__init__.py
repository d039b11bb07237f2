"""Programmes (ordered sets of courses leading to a certificate) and professions (issue 16)."""
