"""Build of the one compiled module, crawler/parsers/_walk.pyx (the rest is in pyproject.toml).

The module is optional: without a C compiler the install still succeeds and TreeWalk runs its
Python pass (the same result, slower)."""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "crawler.parsers._walk",
                ["crawler/parsers/_walk.pyx"],
                include_dirs=lxml.get_include(),
                optional=True,
            )
        ],
        compiler_directives={"language_level": "3"},
    )
)
