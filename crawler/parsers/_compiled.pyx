# cython: language_level=3
"""The extraction's hottest loops in C, built from this file by the install (setup.py).

- `walk`: TreeWalk's pass over a parsed page. It reads libxml2's nodes through lxml's public C
  API instead of asking lxml's Python objects for .tag, .text, .tail, .get() and len() at
  every element.
- `printed_lines`: the lines of the walk's pieces, in one pass over their characters.
- `block_scores`: densest_block's scores, the cleaned texts measured without being made.
- `present_characters`, `keep_alphanumeric`: the body fingerprint's character tests
  (crawler/parsers/page.py).

Each returns exactly what its Python form in blocks.py or page.py returns
(tests/test_blocks_compiled.py compares them on every fixture and evaluation page and on
generated input); the Python forms run when this module is not built
(crawler/parsers/compiled.py).
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport uintptr_t
from libc.string cimport memset, strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree

cetree.import_lxml__etree()

cdef extern from *:
    """
    #ifndef XINWEN_COMPILED_SOURCE_DIGEST
    #define XINWEN_COMPILED_SOURCE_DIGEST ""
    #endif
    """
    const char* XINWEN_COMPILED_SOURCE_DIGEST

# The SHA-256 of this file when it was compiled (setup.py): blocks.py refuses a stale build.
SOURCE_DIGEST = (<bytes>XINWEN_COMPILED_SOURCE_DIGEST).decode("ascii")


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


cdef object _attribute(tree.xmlNode* node, const char* name, object element):
    """= element.get(name) for an attribute without namespace: its value, None when absent."""
    cdef tree.xmlAttr* attribute = node.properties
    cdef tree.xmlNode* part
    while attribute is not NULL:
        if attribute.ns is NULL and strcmp(<const char*>attribute.name, name) == 0:
            break
        attribute = attribute.next
    if attribute is NULL:
        return None
    part = attribute.children
    if part is NULL:
        return ""
    if part.next is NULL and (
        part.type == tree.XML_TEXT_NODE or part.type == tree.XML_CDATA_SECTION_NODE
    ):
        if part.content is NULL:
            return ""
        return PyUnicode_DecodeUTF8(<const char*>part.content, strlen(<const char*>part.content), NULL)
    return element.get(name.decode("ascii"))  # entity references in the value: lxml joins them


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


cdef inline Py_ssize_t _add_piece(
    list pieces, list positions, list depths, object piece, Py_ssize_t size, Py_ssize_t links
) except -1:
    """Add a text piece (an element's text or tail) at `size`, noted as link text under
    `links` open <a>; the new size. (Inline in C: no call per piece, unlike in Python.)"""
    if links:
        positions.append(size)
        depths.append(links)
    pieces.append(piece)
    return size + 1


cdef inline Py_ssize_t _add_break(
    list pieces, list break_positions, str line_break, Py_ssize_t size
) except -1:
    break_positions.append(size)
    pieces.append(line_break)
    return size + 1


cdef enum:
    BREAK = 1
    SCORED = 2
    ANCHOR = 4
    CACHE_SLOTS = 64


def walk(cetree._Element root not None, breaks, scored, str line_break):
    """(elements, tags, classes, ids, parents, firsts, lasts, ends, pieces, break_positions,
    linked_positions, linked_depths, owns, anchors) of the tree under `root`: see TreeWalk."""
    cdef cetree._Document document = root._doc
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* child
    cdef Py_ssize_t size = 0, index = 0, closed, links = 0
    cdef int flag, slot
    cdef list elements = [], tags = [], classes = [], ids = [], parents = []
    cdef list firsts = [], lasts = [], ends = []
    cdef list pieces = [], break_positions = [], linked_positions = [], linked_depths = []
    cdef list anchors = []
    cdef dict owns = {}
    # Tags by the address of their name: the parser keeps one copy of each name per document,
    # so a page's few dozen names are decoded and classified once, not at every element.
    cdef const tree.xmlChar* cached_names[CACHE_SLOTS]
    cdef int cached_flags[CACHE_SLOTS]
    cdef list cached_tags = [None] * CACHE_SLOTS
    cdef list open_elements = [-1]  # the open elements, under a sentinel (the root's parent)
    cdef list open_owns = [None]  # per open element: its own text, when it is scored
    cdef list open_flags = [0]
    cdef list own
    for slot in range(CACHE_SLOTS):
        cached_names[slot] = NULL
    while True:
        # Open the element: its opening break and its text.
        slot = (<uintptr_t>node.name >> 3) % CACHE_SLOTS
        if node.ns is NULL and cached_names[slot] == node.name:
            tag = cached_tags[slot]
            flag = cached_flags[slot]
        else:
            tag = _tag(node)
            flag = (BREAK if tag in breaks else 0) | (SCORED if tag in scored else 0) | (
                ANCHOR if tag == "a" else 0
            )
            if node.ns is NULL:
                cached_names[slot] = node.name
                cached_tags[slot] = tag
                cached_flags[slot] = flag
        element = cetree.elementFactory(document, node)
        elements.append(element)
        tags.append(tag)
        classes.append(_attribute(node, b"class", element))
        ids.append(_attribute(node, b"id", element))
        parents.append(open_elements[-1])
        firsts.append(size)
        lasts.append(0)
        ends.append(0)
        if flag & ANCHOR:
            links += 1
            anchors.append(index)
        if flag & BREAK:
            size = _add_break(pieces, break_positions, line_break, size)
        text = _text_from(node.children)
        if text is not None:
            size = _add_piece(pieces, linked_positions, linked_depths, text, size, links)
        own = None
        if flag & SCORED:
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
            if flag & ANCHOR:
                links -= 1
            if flag & BREAK:
                size = _add_break(pieces, break_positions, line_break, size)
            lasts[closed] = size
            ends[closed] = index
            tail = _text_from(node.next)
            if tail is not None:
                size = _add_piece(pieces, linked_positions, linked_depths, tail, size, links)
                parent_own = open_owns[-1]
                if parent_own is not None:
                    (<list>parent_own).append(tail)
            if node is top:
                return (
                    elements,
                    tags,
                    classes,
                    ids,
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


cdef extern from *:
    """
    static PyObject* xinwen_allocate(PyTypeObject* type, Py_ssize_t items) {
        return type->tp_alloc(type, items);
    }
    """
    object xinwen_allocate(PyTypeObject* type, Py_ssize_t items)


cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND




cdef object _line(PyTypeObject* line_type, object text, Py_ssize_t linked):
    """line_type(text, linked) for a tuple subclass of two fields (Line), made as tuple's own
    constructor makes an instance of a subclass, without a Python-level __new__."""
    cdef object line = xinwen_allocate(line_type, 2)
    cdef object count = linked  # a Python int (an untyped name would be inferred as C)
    Py_INCREF(text)  # PyTuple_SET_ITEM takes over a reference
    PyTuple_SET_ITEM(line, 0, text)
    Py_INCREF(count)
    PyTuple_SET_ITEM(line, 1, count)
    return line


def printed_lines(list kept, list linked_counts, str line_break, type line_type):
    """= blocks.printed_lines_in_python: the texts between the line breaks of the pieces, each
    with its white space collapsed to single spaces and stripped, paired with its count of link
    characters (at most its length); empty lines left out."""
    cdef Py_UCS4 separator = line_break[0]
    cdef Py_UCS4* buffer = NULL
    cdef Py_ssize_t capacity = 0, length = 0, needed, line = 0, linked
    cdef bint space = False
    cdef Py_UCS4 character
    cdef str piece
    cdef list found = []
    cdef PyTypeObject* kind = <PyTypeObject*>line_type
    try:
        for item in kept:
            piece = <str>item
            needed = length + len(piece) + 1
            if needed > capacity:
                capacity = max(needed, 2 * capacity, 256)
                buffer = <Py_UCS4*>PyMem_Realloc(buffer, capacity * sizeof(Py_UCS4))
                if buffer is NULL:
                    raise MemoryError()
            for character in piece:
                if character == separator:
                    if length:
                        text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, length)
                        linked = linked_counts[line]
                        found.append(_line(kind, text, linked if linked < length else length))
                    line += 1
                    length = 0
                    space = False
                elif Py_UNICODE_ISSPACE(character):
                    space = length > 0
                else:
                    if space:
                        buffer[length] = 32
                        length += 1
                        space = False
                    buffer[length] = character
                    length += 1
        if length:
            text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, length)
            linked = linked_counts[line]
            found.append(_line(kind, text, linked if linked < length else length))
        if line + 1 != len(linked_counts):
            raise ValueError("one link count per line is needed")
    finally:
        PyMem_Free(buffer)
    return found



cdef struct Measure:
    Py_ssize_t length  # of the text cleaned: white space runs as one space, none at the ends
    Py_ssize_t marks  # punctuation characters


cdef inline void _measure_piece(str piece, Measure* measure, bint* space,
                                const unsigned char* marks) noexcept:
    cdef Py_UCS4 character
    cdef Py_ssize_t code
    for character in piece:
        if Py_UNICODE_ISSPACE(character):
            space[0] = measure.length > 0
            continue
        code = <Py_ssize_t>character
        if code == 0:
            continue  # a line break: text_content() has none
        if space[0]:
            measure.length += 1
            space[0] = False
        measure.length += 1
        if code < 65536 and marks[code >> 3] & (1 << (code & 7)):
            measure.marks += 1


def block_scores(walk, str punctuation, score_holding):
    """= blocks.block_scores_in_python(walk): the lengths and punctuation of the cleaned texts
    are counted in one pass over the characters of their pieces, the texts never made."""
    cdef dict owns = walk.owns
    cdef list tags = walk.tags, parents = walk.parents, pieces = walk.pieces
    cdef list firsts = walk.firsts, lasts = walk.lasts, anchors = walk.anchors, ends = walk.ends
    cdef dict scores = {}
    cdef Py_ssize_t index, position, raw, parent, grand, anchor_count = len(anchors)
    cdef Py_ssize_t low, high, middle, stop
    cdef Measure measure
    cdef bint space
    cdef double score, fraction
    cdef unsigned char marks[8192]  # a bit per BMP character: the punctuation
    cdef Py_UCS4 mark
    memset(marks, 0, sizeof(marks))
    cdef Py_ssize_t code
    for mark in punctuation:
        code = <Py_ssize_t>mark  # (Cython reads a Py_UCS4 as a character, not a number)
        if code < 65536:
            marks[code >> 3] |= 1 << (code & 7)
        else:
            raise ValueError("punctuation outside the BMP is not supported")
    for key, own_pieces in owns.items():  # the scored elements, in document order
        index = key
        tag = tags[index]
        measure.length = 0
        measure.marks = 0
        space = False
        if tag == "p" or tag == "pre":
            for position in range(<Py_ssize_t>firsts[index], <Py_ssize_t>lasts[index]):
                _measure_piece(<str>pieces[position], &measure, &space, marks)
            length = measure.length  # the length link_density would measure again
        else:
            raw = 0  # cleaning only shortens a text: a block whose raw own text is short is short
            for piece in <list>own_pieces:
                raw += len(<str>piece)
            if raw < 20:
                continue
            for piece in <list>own_pieces:
                _measure_piece(<str>piece, &measure, &space, marks)
            length = None
        if measure.length < 20 or walk.is_negative(index):
            continue
        fraction = measure.length / 100.0
        score = <double>(1 + measure.marks) + (fraction if fraction <= 3.0 else 3.0)
        # has_link: an <a> among the element and its descendants (anchors are sorted)
        low, high, stop = 0, anchor_count, ends[index]
        while low < high:
            middle = (low + high) // 2
            if <Py_ssize_t>anchors[middle] < index:
                low = middle + 1
            else:
                high = middle
        if low < anchor_count and <Py_ssize_t>anchors[low] < stop:
            score *= 1 - <double>walk.link_density(index, length)
        parent = parents[index]
        if tag in score_holding:
            scores[index] = scores.get(index, 0) + score
        if parent >= 0:
            scores[parent] = scores.get(parent, 0) + score
            grand = parents[parent]
            if grand >= 0:
                scores[grand] = scores.get(grand, 0) + score / 2
    return scores


# ------------------------------------------------------------------------------ fingerprint
cdef extern from "Python.h":
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch)


def present_characters(str text, bytes table):
    """= page._nfkd_common_present: the characters of the text that the table marks (a bit per
    BMP code point, U+0000 first), as a set; one pass over the characters."""
    if len(table) != 8192:
        raise ValueError("the table needs one bit per BMP code point (8192 bytes)")
    cdef const unsigned char* marked = table
    cdef unsigned char seen[8192]
    cdef Py_UCS4 character
    cdef Py_ssize_t code
    cdef set found = set()
    memset(seen, 0, sizeof(seen))
    for character in text:
        code = <Py_ssize_t>character
        if code < 65536 and marked[code >> 3] & (1 << (code & 7)):
            if not seen[code >> 3] & (1 << (code & 7)):
                seen[code >> 3] |= 1 << (code & 7)
                found.add(character)
    return found


cdef unsigned char ALPHANUMERIC_BMP[8192]  # str.isalnum() of every BMP code point, a bit each


cdef void _fill_alphanumeric_table() noexcept:
    cdef Py_ssize_t code
    memset(ALPHANUMERIC_BMP, 0, sizeof(ALPHANUMERIC_BMP))
    for code in range(65536):
        if Py_UNICODE_ISALNUM(<Py_UCS4>code):
            ALPHANUMERIC_BMP[code >> 3] |= 1 << (code & 7)


_fill_alphanumeric_table()


def keep_alphanumeric(str text):
    """= page.keep_alphanumeric: the characters for which str.isalnum() is true, in order."""
    cdef Py_ssize_t size = len(text), kept = 0
    cdef Py_UCS4* buffer = <Py_UCS4*>PyMem_Malloc((size if size else 1) * sizeof(Py_UCS4))
    cdef Py_UCS4 character
    cdef Py_ssize_t code
    cdef bint keep
    if buffer is NULL:
        raise MemoryError()
    try:
        for character in text:
            code = <Py_ssize_t>character
            if code < 65536:
                keep = (ALPHANUMERIC_BMP[code >> 3] >> (code & 7)) & 1
            else:
                keep = Py_UNICODE_ISALNUM(character)
            if keep:
                buffer[kept] = character
                kept += 1
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, kept)
    finally:
        PyMem_Free(buffer)


# ------------------------------------------------------------------------------ decoding
def high_bytes_and_pairs(bytes sample):
    """= (len(kinds), kinds.count(b"LC")) for kinds = sample.translate(decode._UTF8_BYTE_KINDS,
    ASCII deleted): the bytes above 0x7F, and how many of them are a UTF-8 lead byte (C2-F4)
    followed, ASCII skipped, by a continuation byte (80-BF); one pass, nothing copied."""
    cdef const unsigned char* data = sample
    cdef Py_ssize_t size = len(sample), position, high = 0, pairs = 0
    cdef unsigned char byte
    cdef bint after_lead = False
    for position in range(size):
        byte = data[position]
        if byte < 0x80:
            continue
        high += 1
        if byte < 0xC0:
            if after_lead:
                pairs += 1
            after_lead = False
        else:
            after_lead = 0xC2 <= byte <= 0xF4
    return high, pairs


def has_control_bytes(bytes body, bytes controls):
    """Whether any byte of `controls` is in `body` (= len(body.translate(None, controls)) !=
    len(body)), stopping at the first."""
    cdef const unsigned char* data = body
    cdef const unsigned char* wanted = controls
    cdef unsigned char marked[256]
    cdef Py_ssize_t position
    memset(marked, 0, sizeof(marked))
    for position in range(len(controls)):
        marked[wanted[position]] = 1
    for position in range(len(body)):
        if marked[data[position]]:
            return True
    return False
