"""Test helpers shared by several test modules (browser harness)."""
