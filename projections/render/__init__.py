"""Renderers: a report model in words, tables and charts (text, markdown, csv, json, html, xlsx)."""
