"""Build of the one compiled module, crawler/parsers/_compiled.pyx (the rest is in pyproject.toml).

The module is optional: without a C compiler the install still succeeds and the Python forms of
its functions run (the same results, slower; crawler/parsers/compiled.py)."""

import hashlib
from pathlib import Path

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = "crawler/parsers/_compiled.pyx"
# Compiled in, so that crawler/parsers/compiled.py can tell a build older than the source.
DIGEST = hashlib.sha256(
    Path(__file__).with_name("crawler").joinpath("parsers", "_compiled.pyx").read_bytes()
).hexdigest()

setup(
    ext_modules=cythonize(
        [
            Extension(
                "crawler.parsers._compiled",
                [SOURCE],
                include_dirs=lxml.get_include(),
                define_macros=[("XINWEN_COMPILED_SOURCE_DIGEST", f'"{DIGEST}"')],
                optional=True,
            )
        ],
        compiler_directives={"language_level": "3"},
    )
)
