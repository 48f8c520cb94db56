"""Small fixes to the book's HTML build, loaded from _config.yml (sphinx.local_extensions).

- sphinx-thebe 0.3.1 registers its configuration script from an event that
  runs after the HTML builder has copied the registered scripts, so the
  same inline script (``const THEBE_JS_URL = ...``) lands on every page twice
  and the second copy throws "Identifier 'THEBE_JS_URL' has already been
  declared". Identical script entries are dropped here, once per page.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # The builder's copy has filename '' where the registry's has None: the same script.
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
