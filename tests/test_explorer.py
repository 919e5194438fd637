"""The explorer: what it computes (against the module's own signatures), and its page in a
real browser (Debian's chromium, headless, driven by playwright)."""

import io
import shutil
import socket

import numpy as np
from PIL import Image
import pytest

from tfbiggan.explorer import NUM_DIRECTIONS, Explorer
from tfbiggan.modules.generator_module import generate, load_generator_module
from tfbiggan.latent.projection import psnr
from tfbiggan.sampling import truncated_noise
from command_runner import run_in_process


@pytest.fixture(scope="module")
def explorer(random_digits_module):
  return Explorer(random_digits_module)


def test_samples_walks_and_edits_match_the_module(explorer, random_digits_module):
  module = load_generator_module(random_digits_module)
  images = explorer.samples("7", 0.5, seed=3, count=4)
  z = truncated_noise(4, 64, 0.5, seed=3)
  expected = generate(module, z, np.eye(10, dtype=np.float32)[[7] * 4], 0.5)
  np.testing.assert_allclose(images, expected, atol=1e-5)
  one = truncated_noise(1, 64, 0.5, seed=3)  # A walk's or an edit's z: one of the seed.
  walk = explorer.class_walk("7", "2", 5, 0.5, seed=3)
  np.testing.assert_allclose(walk[0], generate(module, one, np.eye(10)[[7]], 0.5)[0],
                             atol=1e-5)
  np.testing.assert_allclose(walk[-1], generate(module, one, np.eye(10)[[2]], 0.5)[0],
                             atol=1e-5)
  assert np.abs(walk[2] - walk[0]).max() > 1e-3
  seeds = explorer.seed_walk("7", (3, 4), 4, 0.5)
  np.testing.assert_allclose(seeds[0], walk[0], atol=1e-5)
  # Zero strengths: the plain sample; a strength moves z along a unit direction.
  np.testing.assert_allclose(explorer.edit("7", 3, 0.5, [0.0] * NUM_DIRECTIONS)[0],
                             walk[0], atol=1e-5)
  moved = explorer.edit("7", 3, 0.5, [2.0])[0]
  shifted = generate(module, one + 2.0 * explorer.directions()[:1], np.eye(10)[[7]], 0.5)
  np.testing.assert_allclose(moved, shifted[0], atol=1e-5)
  directions = explorer.directions()
  np.testing.assert_allclose(directions @ directions.T, np.eye(NUM_DIRECTIONS), atol=1e-5)


def test_warm_up_readies_the_directions_and_the_projection_steps(random_digits_module):
  # pylint: disable=import-outside-toplevel
  from tfbiggan.latent.projection import projection_step
  module = load_generator_module(random_digits_module)  # Its own (untraced) steps.
  assert Explorer(module).warming_up is None
  warm = Explorer(module, warm_up=True)
  warm.warming_up.join(timeout=300)
  assert not warm.warming_up.is_alive()
  assert warm._directions is not None  # pylint: disable=protected-access
  # The module carries no D: the pixel-loss steps are the ones its projections use.
  step = projection_step(module, with_features=False)
  traced = step.experimental_get_tracing_count()
  assert traced >= 2
  image = np.full([20, 24, 3], 128, np.uint8)
  warm.project(image, steps=3)
  warm.project(image, "7", steps=3)  # With a hint, the search has fewer starts.
  assert step.experimental_get_tracing_count() == traced


def test_class_lookup_takes_labels_names_and_indices(explorer):
  assert explorer.class_labels() == [str(i) for i in range(10)]
  assert [explorer.class_index(q) for q in ("7", 7, " 3 ")] == [7, 7, 3]
  with pytest.raises(ValueError, match="out of range"):
    explorer.class_index("12")


def _free_port():
  with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    return probe.getsockname()[1]


def _image_bytes(page, selector):
  """The PNG bytes the page shows in the image of `selector` (fetched by the browser)."""
  source = page.locator(f"{selector} img").get_attribute("src")
  return page.request.get(source).body() if not source.startswith("data:") else source.encode()


def test_the_page_searches_a_class_moves_truncation_and_downloads(explorer, tmp_path):
  playwright = pytest.importorskip("playwright.sync_api")
  pytest.importorskip("gradio")
  browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
  if browser_path is None:
    pytest.skip("needs Debian's chromium (apt install chromium); .ci/run installs it")
  # pylint: disable=import-outside-toplevel
  from tfbiggan.explorer_app import HEADLESS_CHROMIUM_ARGS, build_app, launch
  app = build_app(explorer, download_dir=str(tmp_path))
  port = _free_port()
  launch(app, port, block=False)
  try:
    with playwright.sync_playwright() as driver:
      browser = driver.chromium.launch(executable_path=browser_path, headless=True,
                                       args=list(HEADLESS_CHROMIUM_ARGS))
      page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
      page.goto(f"http://127.0.0.1:{port}/")
      page.wait_for_selector("#samples img", timeout=60_000)
      first = _image_bytes(page, "#samples")

      # Search a class by typing in the picker, and choose it. The image's address is read
      # before the choice: read after it, a fast redraw would leave nothing to wait for.
      before = page.locator("#samples img").get_attribute("src")
      picker = page.locator("#class input")
      picker.click()
      picker.fill("7")
      page.get_by_role("option", name="7", exact=True).click()
      page.wait_for_function("src => document.querySelector('#samples img').src !== src",
                             arg=before, timeout=60_000)
      seven = _image_bytes(page, "#samples")
      assert seven != first

      # Move the truncation slider: the image changes again.
      before = page.locator("#samples img").get_attribute("src")
      page.locator("#truncation input[type=range]").fill("0.9")
      page.locator("#truncation input[type=range]").dispatch_event("pointerup")
      page.wait_for_function("src => document.querySelector('#samples img').src !== src",
                             arg=before, timeout=60_000)
      assert _image_bytes(page, "#samples") != seven

      # The download is the grid shown: 8 samples of digit 7 at truncation 0.9, seed 0.
      with page.expect_download(timeout=60_000) as download:
        page.locator("#download").click()
      png = Image.open(download.value.path())
      expected = explorer.samples("7", 0.9, 0, 8)
      assert png.size[0] >= 4 * 128 and png.size[1] >= 2 * 128
      cell = np.asarray(png.convert("RGB"))[2:2 + 128:4, 2:2 + 128:4].astype(np.float32)
      assert np.abs(cell / 127.5 - 1.0 - expected[0]).max() <= 2 / 127.5
      page.screenshot(path=str(tmp_path / "explorer.png"))

      # Project tab: upload a digit (sample 1 of the grid, a 7) and project it.
      digit = tmp_path / "digit.png"
      Image.fromarray(((expected[1] + 1) * 127.5).round().astype(np.uint8)).save(digit)
      page.get_by_role("tab", name="Project").click()
      page.locator("#upload input[type=file]").set_input_files(str(digit))
      page.locator("#project").click()
      page.wait_for_function(
          "() => (document.querySelector('#found textarea') || {}).value"
          "?.startsWith('nearest class')", timeout=120_000)
      # The uploaded digit is found: its class, and a reconstruction close to it (measured
      # 44 dB; another sample of the same class is 13 dB from it), the one the page shows.
      found = page.locator("#found textarea").input_value()
      assert found.startswith("nearest class: 7; PSNR ") and found.endswith(" dB"), found
      reported = float(found.split("PSNR ")[1].split()[0])
      assert reported >= 35.0
      shown = np.asarray(Image.open(io.BytesIO(_image_bytes(page, "#reconstruction")))
                         .convert("RGB")).astype(np.float32)
      cell = shown[6:6 + 256:8, 6:6 + 256:8] / 127.5 - 1.0  # 32 px drawn at 8x, 2 px border.
      assert abs(psnr(cell[None], expected[1:2])[0] - reported) <= 1.0
      assert psnr(cell[None], expected[5:6])[0] < reported - 10.0
      browser.close()
  finally:
    app.close()
  assert Image.open(tmp_path / "explorer.png").size == (1200, 900)


def test_the_command_says_what_is_missing_in_one_line(tmp_path):
  result = run_in_process("explore", f"--module={tmp_path}/nothing")
  assert result.returncode == 2
  lines = result.stderr.strip().splitlines()
  assert lines[-1].startswith("tfbiggan-explore: error: no module at") and len(lines) == 1
