"""The user pages (README.md, CHANGELOG.md, docs/*.md): every relative link and image points
at a file of the repository, every #anchor at a heading of its page, and no heading is
empty."""

import ast
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted([os.path.join(ROOT, "README.md"), os.path.join(ROOT, "CHANGELOG.md")]
               + glob.glob(os.path.join(ROOT, "docs", "*.md")))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _text(page):
  with open(page, encoding="utf-8") as f:
    return FENCE.sub("", f.read())  # Code blocks hold no links.


def _anchors(page):
  """GitHub's anchors of the page's headings: lower case, punctuation dropped, spaces to -."""
  headings = re.findall(r"^#+\s+(.*)$", _text(page), re.MULTILINE)
  return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _links(page):
  return [m.group(1) for m in LINK.finditer(_text(page))
          if not re.match(r"[a-z]+:", m.group(1))]  # http(s):, mailto: are not checked.


@pytest.mark.parametrize("page", PAGES, ids=lambda p: os.path.relpath(p, ROOT))
def test_relative_links_and_anchors_resolve(page):
  broken = []
  for link in _links(page):
    path, _, anchor = link.partition("#")
    target = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
    if not os.path.exists(target):
      broken.append(f"{link} (no file {os.path.relpath(target, ROOT)})")
    elif anchor and target.endswith(".md") and anchor not in _anchors(target):
      broken.append(f"{link} (no heading #{anchor} in {os.path.relpath(target, ROOT)})")
  assert not broken, f"{os.path.relpath(page, ROOT)}: broken links: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: os.path.relpath(p, ROOT))
def test_no_empty_headings(page):
  empty = [line for line in _text(page).splitlines() if re.fullmatch(r"#+\s*", line)]
  assert not empty, f"{os.path.relpath(page, ROOT)} has empty headings"


# The packages whose docstring maps their modules, file by file.
MAPPED_PACKAGES = ("tfbiggan/training", "tfbiggan/modules", "tfbiggan/latent", "tfbiggan/cli",
                   "tfbiggan/distribute", "export")


@pytest.mark.parametrize("package", MAPPED_PACKAGES)
def test_package_maps_name_every_module(package):
  folder = os.path.join(ROOT, package)
  with open(os.path.join(folder, "__init__.py"), encoding="utf-8") as f:
    docstring = ast.get_docstring(ast.parse(f.read())) or ""
  modules = sorted(name[:-3] for name in os.listdir(folder)
                   if name.endswith(".py") and name != "__init__.py")
  assert modules and [m for m in modules if m not in docstring] == []
