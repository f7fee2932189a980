"""Scales of several items: reliability (Cronbach's α, McDonald's ω, item statistics)."""
