"""Bangla text front-end: paragraphs, sentences and chunks. Pure Python, shared by API and worker."""
