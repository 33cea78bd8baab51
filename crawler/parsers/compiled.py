"""The compiled forms of the extraction's hottest loops (crawler/parsers/_compiled.pyx), built by
the install with Cython. Each has a Python form beside its caller that gives the same result
(tests/test_blocks_compiled.py compares them): without a C compiler, or with a build older than
the .pyx, the Python forms run.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from types import ModuleType

SOURCE = Path(__file__).with_name("_compiled.pyx")


def load() -> ModuleType | None:
    """The compiled module; None when it is not built or XINWEN_PYTHON_FORMS=1 is set, and None
    with a warning when the .pyx has changed since the build, so that an edit is never shadowed
    by an old build."""
    if os.environ.get("XINWEN_PYTHON_FORMS") == "1":
        return None
    try:
        from crawler.parsers import _compiled
    except ImportError:
        return None
    if (
        SOURCE.exists()
        and hashlib.sha256(SOURCE.read_bytes()).hexdigest() != _compiled.SOURCE_DIGEST
    ):
        warnings.warn(
            f"{SOURCE} changed since it was compiled; the Python forms run until "
            "`pip install -e .` compiles it again",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return _compiled


COMPILED = load()
