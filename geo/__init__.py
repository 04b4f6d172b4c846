"""Offline-first incident mapping."""
