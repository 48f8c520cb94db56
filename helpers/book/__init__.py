"""The book's machinery, apart from the core a learner reads.

Explorers and their widgets, the exercise checks, the plot style and the glue that
quotes computed numbers in the prose. The core (``helpers.problems``, ``helpers.optim``,
``helpers.descent`` ...) never imports anything from here; ``tests/test_layers.py``
keeps it so.
"""
