"""Polonius Triage application: CLI, corpus store, JSONL label sets and the Qt GUI (app.gui)."""
