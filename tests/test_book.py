"""helpers.book.glue writes the very output myst_nb.glue writes."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

from helpers.book.glue import glue


def captured(func, *args, **kwargs):
    shell = InteractiveShell.instance()
    outputs = []
    publisher = shell.display_pub

    def publish(data, metadata=None, **_):
        outputs.append((data, metadata))

    original = publisher.publish
    publisher.publish = publish
    try:
        func(*args, **kwargs)
    finally:
        publisher.publish = original
    return outputs


@pytest.mark.parametrize("value", [0.8, 3, "max_steps", [1.5, 2.5]])
@pytest.mark.parametrize("display", [False, True])
def test_same_output_as_myst_nb(value, display):
    from myst_nb import glue as reference

    ours = captured(glue, "x", value, display=display)
    assert ours and ours == captured(reference, "x", value, display=display)


def test_bad_name():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        glue("", 1.0)
