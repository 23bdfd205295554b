"""Decks: YAML to model, validation with positions, vary instances, verification by execution."""
