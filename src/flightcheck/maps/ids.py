"""Element ids numbered in tree order, so the same map always renders to the same bytes.

folium/branca give every element a random 32-hex id that ends up in the page's JavaScript
variable names (``map_<id>``, ``poly_line_<id>``), so two renders of the same evidence map
differed and its sha256 in a case manifest could not be re-derived. Numbering the ids by
their place in the element tree, just before rendering, makes the page a function of its
content.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import count

from branca.element import Element


def number_ids(root: Element) -> None:
    """Give ``root`` and every element below it the id ``fc<n>`` in depth-first order.

    Children stored under their generated name are re-keyed by the new name; children added
    under a chosen name (assets, page parts) keep it."""
    numbers = count()
    stack = [root]
    while stack:
        element = stack.pop()
        old_name = element.get_name()
        element._id = f"fc{next(numbers)}"
        parent = element._parent
        if (
            parent is not None
            and old_name in parent._children
            and parent._children[old_name] is element
        ):
            parent._children = OrderedDict(
                (element.get_name() if key == old_name else key, child)
                for key, child in parent._children.items()
            )
        children = list(element._children.values())
        for extra in ("header", "html", "script"):  # a Figure's three sections
            section = getattr(element, extra, None)
            if isinstance(section, Element) and section is not element:
                children.append(section)
        stack.extend(reversed(children))
