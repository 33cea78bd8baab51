"""Build of the one compiled module, crawler/parsers/_walk.pyx (the rest is in pyproject.toml).

The module is optional: without a C compiler the install still succeeds and TreeWalk runs its
Python pass (the same result, slower)."""

import hashlib
from pathlib import Path

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = "crawler/parsers/_walk.pyx"
# Compiled in, so that crawler/parsers/blocks.py can tell a build older than the source.
DIGEST = hashlib.sha256(
    Path(__file__).with_name("crawler").joinpath("parsers", "_walk.pyx").read_bytes()
).hexdigest()

setup(
    ext_modules=cythonize(
        [
            Extension(
                "crawler.parsers._walk",
                [SOURCE],
                include_dirs=lxml.get_include(),
                define_macros=[("XINWEN_WALK_SOURCE_DIGEST", f'"{DIGEST}"')],
                optional=True,
            )
        ],
        compiler_directives={"language_level": "3"},
    )
)
