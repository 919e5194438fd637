"""Fetching a module over HTTP as TF-Hub's own client does, and extracting tarballs safely.

A TF-Hub URL asked with `?tf-hub-format=compressed` answers (after redirects, e.g. to Kaggle
Models or a storage bucket) with a gzipped tarball of the module's files; without the query it
answers with a web page. The tarball is extracted while it streams in, member by member, into
a folder on any TensorFlow file system.

Extraction is checked before anything is written: a member with an absolute path, a `..`
component, or a link that points outside the folder is refused (`UnsafeArchiveError`), and so
are devices and pipes. Links inside the folder are written as copies (object stores have no
links).

The standard library's urllib fetches: it follows redirects and streams, and needs nothing
that tfbiggan does not already install (tensorflow_hub's resolver would need tf-keras, which
pins its own TensorFlow). tqdm draws the progress bar, only when stderr is a terminal.
"""

import http.client
import posixpath
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

from absl import logging

from tfbiggan import files
from tfbiggan.progress import format_duration

COMPRESSED_QUERY = ("tf-hub-format", "compressed")
TIMEOUT_S = 60


class DownloadError(OSError):
  """A fetch that failed: offline, refused, cut, or not a module tarball."""


class UnsafeArchiveError(ValueError):
  """A tarball member that would land outside the folder it is extracted into."""


def compressed_url(url):
  """`url` with `tf-hub-format=compressed` added to its query."""
  parts = urllib.parse.urlsplit(url)
  query = urllib.parse.parse_qsl(parts.query)
  if COMPRESSED_QUERY not in query:
    query.append(COMPRESSED_QUERY)
  return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class _CountingReader:
  """A binary stream that counts what is read from it and moves a progress bar."""

  def __init__(self, stream, bar):
    self.stream, self.bar, self.count = stream, bar, 0

  def read(self, size=-1):
    data = self.stream.read(size)
    self.count += len(data)
    self.bar.update(len(data))
    return data


def download_module(url, folder, progress_stream=None):
  """Streams the module at the TF-Hub URL `url` into `folder` (created, any file system).

  Args:
    url: a TF-Hub style URL (the compressed-format query is added).
    folder: where the module's files go; fill a scratch folder and move it into place.
    progress_stream: where the progress bar goes (default sys.stderr); it is drawn only when
      that stream is a terminal, and a log line says what is fetched either way.

  Returns: the number of bytes downloaded.

  Raises:
    DownloadError: the URL could not be fetched, the transfer was cut, or the answer is not
      a gzipped tarball.
    UnsafeArchiveError: a member that escapes `folder`.
  """
  from tqdm import tqdm  # pylint: disable=import-outside-toplevel
  from tfbiggan import __version__  # pylint: disable=import-outside-toplevel
  request_url = compressed_url(url)
  request = urllib.request.Request(request_url,
                                   headers={"User-Agent": f"tfbiggan/{__version__}"})
  try:
    response = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # Follows redirects.
  except urllib.error.HTTPError as error:
    raise DownloadError(f"{request_url} answered HTTP {error.code} {error.reason}") from None
  except (urllib.error.URLError, OSError) as error:
    reason = getattr(error, "reason", error)
    raise DownloadError(f"could not reach {request_url} ({reason})") from None
  total = int(response.headers.get("Content-Length") or 0) or None
  kind = response.headers.get_content_type()
  if kind in ("text/html", "text/plain"):
    response.close()
    raise DownloadError(f"{request_url} answered with a {kind} page, not a module tarball")
  logging.info("downloading %s (%s) to %s", response.url,
               f"{total / 2**20:.1f} MiB" if total else "size unknown", folder)
  start = time.time()
  stream = progress_stream or sys.stderr
  with response, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                      desc=url.rstrip("/").rsplit("/", 2)[-2], file=stream,
                      disable=None) as bar:
    reader = _CountingReader(response, bar)
    try:
      extract_tarball(reader, folder)
    except (tarfile.TarError, EOFError, zlib.error, http.client.HTTPException,
            OSError) as error:
      got = f"after {reader.count} of {total} bytes" if total else f"after {reader.count} bytes"
      raise DownloadError(f"the download of {request_url} failed {got}: "
                          f"{error or type(error).__name__}") from None
  if total and reader.count < total:
    raise DownloadError(f"the download of {request_url} was cut after {reader.count} of "
                        f"{total} bytes")
  seconds = time.time() - start
  logging.info("downloaded %.1f MiB in %s (%.1f MiB/s)", reader.count / 2**20,
               format_duration(seconds), reader.count / 2**20 / max(seconds, 1e-9))
  return reader.count


def extract_local_tarball(path, folder):
  """Extracts the gzipped tarball at `path` (any file system) into `folder`, checked as a
  download is.

  Raises:
    ValueError: not a gzipped tarball (`UnsafeArchiveError`: a member that escapes).
  """
  with files.gfile.GFile(path, "rb") as stream:
    try:
      extract_tarball(stream, folder)
    except (tarfile.TarError, EOFError, zlib.error) as error:
      raise ValueError(f"{path} is not a readable .tar.gz ({error})") from None


def _safe_name(name, archive_member, any_dots=False):
  """The member's path inside the folder, normalised; UnsafeArchiveError if it escapes (a
  member's own name may hold no `..` at all; a link's target, `any_dots`, may climb within
  the folder)."""
  if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
    raise UnsafeArchiveError(f"the tarball member {archive_member!r} has an absolute path; "
                             "refused, nothing was kept")
  normal = posixpath.normpath(name)
  climbs = "/../" in f"/{name}/" if not any_dots else False
  if normal == ".." or normal.startswith("../") or climbs:
    raise UnsafeArchiveError(f"the tarball member {archive_member!r} points outside its "
                             "folder (..); refused, nothing was kept")
  return "" if normal == "." else normal


def extract_tarball(stream, folder):
  """Extracts the gzipped tarball read from the binary `stream` into `folder` (any file
  system), as it streams, each member checked first (see the module docstring)."""
  files.makedirs(folder)
  written = set()
  with tarfile.open(fileobj=stream, mode="r|gz") as archive:
    for member in archive:
      name = _safe_name(member.name, member.name)
      target = files.join(folder, name) if name else folder
      if member.isdir():
        files.makedirs(target)
      elif member.isfile():
        files.makedirs(files.dirname(target))
        files.write_stream(target, archive.extractfile(member))
        written.add(name)
      elif member.issym() or member.islnk():
        base = posixpath.dirname(name) if member.issym() else ""
        linked = _safe_name(posixpath.join(base, member.linkname),
                            f"{member.name} -> {member.linkname}", any_dots=True)
        if linked not in written:
          raise UnsafeArchiveError(f"the tarball member {member.name!r} links to "
                                   f"{member.linkname!r}, which is not a file of the tarball "
                                   "before it; refused, nothing was kept")
        files.copy(files.join(folder, linked), target)
        written.add(name)
      else:
        raise UnsafeArchiveError(f"the tarball member {member.name!r} is a device or a pipe; "
                                 "refused, nothing was kept")
