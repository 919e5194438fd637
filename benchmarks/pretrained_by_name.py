"""Benchmark: the first and the second use of an official generator by name.

Serves a stand-in of the official biggan-deep-128 module (random weights, the official
variable names and shapes, tests/official_standin.py) from a loopback server that answers as
TF-Hub does, points the short names at it ($TFBIGGAN_HUB_URL) and an empty cache, then times
`tfbiggan.load_pretrained("biggan-deep-128")` twice: the first use split into download,
conversion and load; the second a load from the cache. The baseline measured in the same run
is the conversion's generator build with the paper's orthogonal initialiser instead of the
cheap one (`layers.initializers.ASSIGNED_AFTERWARDS`) used where every weight is assigned
right after.

  python benchmarks/pretrained_by_name.py
"""

import io
import logging
import os
import shutil
import sys
import tarfile
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from absl import app  # noqa: E402

import machine  # noqa: E402  pylint: disable=wrong-import-position


def _timed(function, *args):
  start = time.perf_counter()
  result = function(*args)
  return result, time.perf_counter() - start


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  from hub_server import HubServer
  from official_standin import write_random_official_module
  import tfbiggan
  from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
  from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
  from tfbiggan.modules import resolver
  # TensorFlow's own info lines (a SavedModel's renamed inputs) would bury the figures.
  logging.getLogger("tensorflow").setLevel(logging.WARNING)
  print(machine.describe())
  print(f"peak: {machine.matmul_gflops():.0f} GFLOP/s float32 matmul")
  work = tempfile.mkdtemp(prefix="pretrained_by_name_")
  folder = os.path.join(work, "official")
  write_random_official_module(folder, "biggan-deep-128", seed=0)
  buffer = io.BytesIO()
  with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
    archive.add(folder, arcname=".")
  os.environ["TFHUB_CACHE_DIR"] = os.path.join(work, "cache")
  with HubServer({"deepmind/biggan-deep-128/1": buffer.getvalue()}) as server:
    os.environ["TFBIGGAN_HUB_URL"] = server.url
    _, download = _timed(resolver.fetch, "biggan-deep-128")
    _, conversion = _timed(resolver.resolve_module, "biggan-deep-128")
    _, first_load = _timed(tfbiggan.load_pretrained, "biggan-deep-128")
    requests = len(server.requests)
    _, second = _timed(tfbiggan.load_pretrained, "biggan-deep-128")
    assert len(server.requests) == requests, "the second use made a request"
  config = tfbiggan.get_config("biggan-deep-128", truncation_grid=OFFICIAL_TRUNCATION_GRID)
  _, cheap = _timed(lambda: tfbiggan.Generator(config, initializer=ASSIGNED_AFTERWARDS))
  _, orthogonal = _timed(lambda: tfbiggan.Generator(config))
  size = len(buffer.getvalue()) / 2**20
  print(f"biggan-deep-128 stand-in, tarball {size:.0f} MiB from 127.0.0.1")
  print(f"first use:  download + extraction {download:.1f} s, conversion {conversion:.1f} s, "
        f"load {first_load:.2f} s; in all {download + conversion + first_load:.1f} s")
  print(f"second use: load {second:.2f} s, no request, no conversion "
        f"(x{(download + conversion + first_load) / second:.1f} faster)")
  print(f"the conversion's generator build: {cheap:.2f} s with the cheap initialiser, "
        f"{orthogonal:.2f} s with orthogonal (baseline; x{orthogonal / cheap:.1f})")
  shutil.rmtree(work)


if __name__ == "__main__":
  app.run(main)
