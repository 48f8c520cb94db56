"""Helpers for the gradient descent course book.

Import what you need from the submodules, for example
``from helpers.optim import Adam``. Importing this package does nothing
else: no seeds are set and no plotting style is changed.
"""

__version__ = "0.1.0"
