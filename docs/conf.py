"""Sphinx configuration for sklearn_unsup."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("SKLEARN_UNSUP_EXAMPLES_FAST", "0")

import sklearn_unsup  # noqa: E402

project = "sklearn_unsup"
author = "sklearn_unsup developers"
release = sklearn_unsup.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "alabaster"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
}

# Links to other projects' docs need their inventories from the network; the
# build machines here have none, so they are opt-in.
intersphinx_mapping = {}
if os.environ.get("SKLEARN_UNSUP_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "skrub": ("https://skrub-data.org/stable", None),
    }
