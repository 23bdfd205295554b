"""Decks: YAML -> model, validation with source positions, vary instances, verification by execution."""
