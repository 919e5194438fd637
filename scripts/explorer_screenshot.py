"""Writes a screenshot of tfbiggan-explore's page (the picture in docs/explore.md).

Serves the explorer on a free local port, opens it in the system's chromium (headless, via
playwright; nothing is downloaded), picks a class and a truncation, and saves the page.

  python scripts/explorer_screenshot.py --module=outputs/demo/module --class=3 \\
      --out=docs/images/explorer.png
"""

import shutil
import socket

from absl import app
from absl import flags

flags.DEFINE_string("module", "outputs/demo/module", "The module to explore.")
flags.DEFINE_string("class", "3", "The class to show (index or name).")
flags.DEFINE_float("truncation", 0.7, "The truncation to show.")
flags.DEFINE_string("out", "docs/images/explorer.png", "The PNG to write.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  from playwright.sync_api import sync_playwright
  from tfbiggan.explorer import Explorer
  from tfbiggan.explorer_app import HEADLESS_CHROMIUM_ARGS, build_app, launch
  explorer = Explorer(FLAGS.module)
  label = explorer.class_labels()[explorer.class_index(FLAGS["class"].value)]
  with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
  page_app = build_app(explorer)
  launch(page_app, port, block=False)
  try:
    with sync_playwright() as driver:
      browser = driver.chromium.launch(executable_path=shutil.which("chromium"),
                                       headless=True, args=list(HEADLESS_CHROMIUM_ARGS))
      page = browser.new_page(viewport={"width": 1100, "height": 720})
      page.goto(f"http://127.0.0.1:{port}/")
      page.wait_for_selector("#samples img", timeout=120_000)
      page.locator("#class input").click()
      page.locator("#class input").fill(label)
      page.get_by_role("option", name=label, exact=True).click()
      slider = page.locator("#truncation input[type=range]")
      slider.fill(str(FLAGS.truncation))
      slider.dispatch_event("pointerup")
      page.wait_for_timeout(3000)
      page.screenshot(path=FLAGS.out)
      browser.close()
  finally:
    page_app.close()
  print(FLAGS.out)


if __name__ == "__main__":
  app.run(main)
