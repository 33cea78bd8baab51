"""Generated HTML for the equivalence tests: nested elements with texts between them."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def html_trees(draw, tags, attributes, texts, void_tags=frozenset({"br"}), depth=0):
    """Markup of one element drawn from `tags` with `attributes` (a strategy of attribute
    strings), its text from `texts`, and up to three children, four levels deep at most."""
    tag = draw(tags)
    spelled = draw(attributes)
    if tag in void_tags:
        return f"<{tag}{spelled}>"
    inner = draw(texts)
    if depth < 4:
        for _ in range(draw(st.integers(0, 3))):
            inner += draw(html_trees(tags, attributes, texts, void_tags, depth + 1)) + draw(texts)
    return f"<{tag}{spelled}>{inner}</{tag}>"
