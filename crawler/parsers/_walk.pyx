# cython: language_level=3
"""TreeWalk's pass over a parsed page, in C (built from this file when the project is installed).

It reads libxml2's nodes through lxml's public C API instead of asking lxml's Python objects
for .tag, .text, .tail and len() at every element, and returns exactly what
`blocks.walk_in_python` returns for the same tree (tests/test_blocks_compiled.py compares the
two on every fixture and evaluation page and on generated trees). The Python pass stays the
reference and the fallback when this module is not built.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree

cetree.import_lxml__etree()


cdef inline tree.xmlNode* _text_or_skip(tree.xmlNode* node) noexcept:
    """The node when it is text, past XInclude markers; NULL at any other node (lxml's rule
    for where an element's text or tail ends)."""
    while node is not NULL:
        if node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
            return node
        if node.type == tree.XML_XINCLUDE_START or node.type == tree.XML_XINCLUDE_END:
            node = node.next
            continue
        return NULL
    return NULL


cdef object _text_from(tree.xmlNode* node):
    """= lxml's .text (from the first child) or .tail (from the next sibling), None when empty."""
    cdef tree.xmlNode* first = _text_or_skip(node)
    cdef tree.xmlNode* current = first
    cdef const char* content = NULL
    cdef int count = 0
    cdef bytes joined
    while current is not NULL:
        if current.content is not NULL and current.content[0] != 0:
            content = <const char*>current.content
        count += 1
        current = _text_or_skip(current.next)
    if content is NULL:
        return None
    if count == 1:
        return PyUnicode_DecodeUTF8(content, strlen(content), NULL)
    joined = b""
    current = first
    while current is not NULL:
        if current.content is not NULL:
            joined += <bytes>(<const char*>current.content)
        current = _text_or_skip(current.next)
    return joined.decode("utf-8")


cdef object _tag(tree.xmlNode* node):
    """= lxml's .tag: the name, "{namespace}name" when the node has a namespace."""
    cdef const char* name = <const char*>node.name
    text = PyUnicode_DecodeUTF8(name, strlen(name), NULL)
    if node.ns is not NULL and node.ns.href is not NULL:
        href = <const char*>node.ns.href
        return "{" + PyUnicode_DecodeUTF8(href, strlen(href), NULL) + "}" + text
    return text


cdef tree.xmlNode* _element_from(tree.xmlNode* node) except? NULL:
    """The node or its first following sibling that is an element; NULL when none is. Comments,
    processing instructions and entity references are refused, as the Python pass refuses
    them (lxml counts them as children)."""
    while node is not NULL:
        if node.type == tree.XML_ELEMENT_NODE:
            return node
        if (
            node.type == tree.XML_COMMENT_NODE
            or node.type == tree.XML_PI_NODE
            or node.type == tree.XML_ENTITY_REF_NODE
        ):
            raise ValueError(
                "TreeWalk needs a tree without comments or processing instructions"
            )
        node = node.next
    return NULL


def walk(cetree._Element root not None, breaks, scored, str line_break):
    """(elements, tags, parents, firsts, lasts, ends, pieces, break_positions,
    linked_positions, linked_depths, owns, anchors) of the tree under `root`: see TreeWalk."""
    cdef cetree._Document document = root._doc
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* child
    cdef Py_ssize_t size = 0, index = 0, closed, links = 0
    cdef int flag
    cdef list elements = [], tags = [], parents = [], firsts = [], lasts = [], ends = []
    cdef list pieces = [], break_positions = [], linked_positions = [], linked_depths = []
    cdef list anchors = []
    cdef dict owns = {}
    cdef dict flags = {}  # tag -> 1 break | 2 scored | 4 anchor
    cdef list open_elements = [-1]  # the open elements, under a sentinel (the root's parent)
    cdef list open_owns = [None]  # per open element: its own text, when it is scored
    cdef list open_flags = [0]
    cdef list own
    while True:
        # Open the element: its opening break and its text.
        tag = _tag(node)
        known = flags.get(tag)
        if known is None:
            flag = (1 if tag in breaks else 0) | (2 if tag in scored else 0) | (
                4 if tag == "a" else 0
            )
            flags[tag] = flag
        else:
            flag = known
        elements.append(cetree.elementFactory(document, node))
        tags.append(tag)
        parents.append(open_elements[-1])
        firsts.append(size)
        lasts.append(0)
        ends.append(0)
        if flag & 4:
            links += 1
            anchors.append(index)
        if flag & 1:
            break_positions.append(size)
            pieces.append(line_break)
            size += 1
        text = _text_from(node.children)
        if text is not None:
            if links:
                linked_positions.append(size)
                linked_depths.append(links)
            pieces.append(text)
            size += 1
        own = None
        if flag & 2:
            own = [text] if text is not None else []
            owns[index] = own
        index += 1
        child = _element_from(node.children)
        if child is not NULL:
            open_elements.append(index - 1)
            open_owns.append(own)
            open_flags.append(flag)
            node = child
            continue
        # Close it, and every open element whose last child it is: the closing break, the tail.
        closed = index - 1
        while True:
            if flag & 4:
                links -= 1
            if flag & 1:
                break_positions.append(size)
                pieces.append(line_break)
                size += 1
            lasts[closed] = size
            ends[closed] = index
            tail = _text_from(node.next)
            if tail is not None:
                if links:
                    linked_positions.append(size)
                    linked_depths.append(links)
                pieces.append(tail)
                size += 1
                parent_own = open_owns[-1]
                if parent_own is not None:
                    (<list>parent_own).append(tail)
            if node is top:
                return (
                    elements,
                    tags,
                    parents,
                    firsts,
                    lasts,
                    ends,
                    pieces,
                    break_positions,
                    linked_positions,
                    linked_depths,
                    owns,
                    anchors,
                )
            child = _element_from(node.next)
            if child is not NULL:
                node = child
                break
            closed = open_elements.pop()
            open_owns.pop()
            flag = open_flags.pop()
            node = node.parent
