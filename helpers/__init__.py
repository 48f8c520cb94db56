"""Helpers for the course book. Import from the submodules (``from helpers.optim import Adam``):
importing the package does nothing else, sets no seed and changes no plotting style."""

__version__ = "0.1.0"
