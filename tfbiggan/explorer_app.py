"""The web explorer's page: a Gradio app in front of a `tfbiggan.explorer.Explorer`.

Four tabs, each drawing through the explorer (Gradio runs the handlers in its worker
threads, off the page's event loop; the module's compiled function is reused by every call):
  Samples       class picker (type to search by name), truncation, seed, number of samples;
                the grid, and a button that downloads it as PNG;
  Interpolate   a walk between two classes (one z) or two seeds (one class);
  Directions    sliders along the strongest SeFa directions, for a class and seed;
  Project       upload an image: its projection, the class found, and direction sliders
                that edit it.
Gradio (the `explore` extra: `pip install -e ".[explore]"` in a checkout) ships its front end and runs offline; the page
uses system fonts and sends no analytics.
"""

import os
import tempfile

import numpy as np

from tfbiggan.explorer import NUM_DIRECTIONS
from tfbiggan.image_grid import image_grid

INSTALL_HINT = ("the explorer needs Gradio: pip install 'gradio>=5,<7' (the explore extra: "
                "pip install -e '.[explore]' in a tfbiggan checkout)")
MAX_SAMPLES = 16
# Chromium flags for driving the page headless (the browser test, the screenshot script),
# on a machine without a network or a display: no sandbox (root in a container), and none
# of the browser's own requests (updates, sync, metrics, crash reports), whose time-outs
# can stall a start on a closed network. playwright's `launch` adds a fresh profile folder.
HEADLESS_CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--no-default-browser-check", "--disable-default-apps",
    "--disable-sync", "--disable-extensions", "--disable-breakpad",
    "--disable-domain-reliability", "--metrics-recording-only", "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints")


def import_gradio():
  """The gradio module, with analytics off. Raises ImportError with the install command."""
  os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
  try:
    import gradio  # pylint: disable=import-outside-toplevel
  except ImportError:
    raise ImportError(INSTALL_HINT) from None
  return gradio


def _grid(images, cols, scale_to=128, title=None):
  """A PIL grid of images, each upscaled (nearest) to at least `scale_to` pixels."""
  scale = max(1, -(-scale_to // images.shape[1]))
  rows = -(-len(images) // cols)
  if rows * cols > len(images):  # Pad the last row with white cells.
    images = np.concatenate([images, np.ones((rows * cols - len(images),) + images.shape[1:],
                                             np.float32)])
  return image_grid(images, rows, cols, title=title, scale=scale)


def build_app(explorer, title=None, download_dir=None):
  """The Gradio Blocks of the explorer.

  Args:
    explorer: a `tfbiggan.explorer.Explorer`.
    title: the page title (default: from the module's size).
    download_dir: where the downloadable PNGs are written (default: a new temporary folder).

  Returns: a `gradio.Blocks`; `.launch(server_name="127.0.0.1", ...)` serves it.
  """
  gr = import_gradio()
  labels = explorer.class_labels()
  # Local disk on purpose: Gradio serves downloads from files on the machine it runs on.
  download_dir = download_dir or tempfile.mkdtemp(prefix="tfbiggan_explore_")
  title = title or (f"tfbiggan explorer: {explorer.num_classes} classes, "
                    f"{explorer.resolution} px")

  def samples(query, truncation, seed, count):
    images = explorer.samples(query, truncation, int(seed), int(count))
    grid = _grid(images, min(int(count), 4))
    path = os.path.join(download_dir, f"samples_{explorer.class_index(query)}_t{truncation:g}"
                                      f"_seed{int(seed)}_{int(count)}.png")
    grid.save(path)
    return grid, gr.DownloadButton(value=path, interactive=True)

  def walk(mode, start, end, seed_a, seed_b, steps, truncation):
    if mode == "two classes":
      images = explorer.class_walk(start, end, int(steps), truncation, int(seed_a))
    else:
      images = explorer.seed_walk(start, (int(seed_a), int(seed_b)), int(steps), truncation)
    return _grid(images, int(steps))

  def edit(query, seed, truncation, *strengths):
    return _grid(explorer.edit(query, int(seed), truncation, strengths), 1, scale_to=256)

  def project(image, query, steps):
    if image is None:
      raise gr.Error("upload an image first")
    projection = explorer.project(image, query or None, int(steps))
    found = (f"nearest class: {labels[projection.class_index]}; PSNR "
             f"{projection.psnr:.1f} dB")
    state = {"z": projection.z, "embedding": projection.embedding,
             "truncation": projection.truncation}
    return _grid(projection.reconstruction[None], 1, scale_to=256), found, state

  def edit_projection(state, *strengths):
    if not state:
      raise gr.Error("project an image first")
    images = explorer.edit(None, 0, state["truncation"], strengths, z=state["z"],
                           embedding=state["embedding"])
    return _grid(images, 1, scale_to=256)

  def direction_sliders(prefix):
    return [gr.Slider(-4, 4, value=0, step=0.25, label=f"direction {k}",
                      elem_id=f"{prefix}_direction_{k}") for k in range(NUM_DIRECTIONS)]

  with gr.Blocks(title=title, analytics_enabled=False) as app:
    gr.Markdown(f"## {title}")
    with gr.Tab("Samples"):
      with gr.Row():
        with gr.Column(scale=1):
          class_box = gr.Dropdown(labels, value=labels[0], filterable=True, label="Class",
                                  elem_id="class")
          truncation = gr.Slider(0.02, 1.0, value=0.5, step=0.02, label="Truncation",
                                 elem_id="truncation")
          seed = gr.Number(0, precision=0, label="Seed", elem_id="seed")
          count = gr.Slider(1, MAX_SAMPLES, value=8, step=1, label="Samples", elem_id="count")
          download = gr.DownloadButton("Download PNG", interactive=False, elem_id="download")
        grid = gr.Image(type="pil", format="png", label="Samples", elem_id="samples",
                        interactive=False)
      inputs = [class_box, truncation, seed, count]
      for component in (class_box, seed):
        component.change(samples, inputs, [grid, download])
      for slider in (truncation, count):
        slider.release(samples, inputs, [grid, download])
      app.load(samples, inputs, [grid, download])

    with gr.Tab("Interpolate"):
      with gr.Row():
        with gr.Column(scale=1):
          mode = gr.Radio(["two classes", "two seeds"], value="two classes", label="Walk")
          start = gr.Dropdown(labels, value=labels[0], filterable=True, label="From class")
          end = gr.Dropdown(labels, value=labels[min(1, len(labels) - 1)], filterable=True,
                            label="To class (two classes)")
          seed_a = gr.Number(0, precision=0, label="Seed (from seed)")
          seed_b = gr.Number(1, precision=0, label="To seed (two seeds)")
          steps = gr.Slider(2, 12, value=8, step=1, label="Steps")
          walk_truncation = gr.Slider(0.02, 1.0, value=0.5, step=0.02, label="Truncation")
          walk_button = gr.Button("Walk", variant="primary", elem_id="walk")
        strip = gr.Image(type="pil", format="png", label="Walk", interactive=False)
      walk_button.click(walk, [mode, start, end, seed_a, seed_b, steps, walk_truncation],
                        strip)

    with gr.Tab("Directions"):
      with gr.Row():
        with gr.Column(scale=1):
          edit_class = gr.Dropdown(labels, value=labels[0], filterable=True, label="Class")
          edit_seed = gr.Number(0, precision=0, label="Seed")
          edit_truncation = gr.Slider(0.02, 1.0, value=0.5, step=0.02, label="Truncation")
          sliders = direction_sliders("edit")
        edited = gr.Image(type="pil", format="png", label="Edited sample", interactive=False)
      edit_inputs = [edit_class, edit_seed, edit_truncation] + sliders
      for component in [edit_class, edit_seed] + sliders + [edit_truncation]:
        event = component.change if component in (edit_class, edit_seed) else component.release
        event(edit, edit_inputs, edited)

    with gr.Tab("Project"):
      with gr.Row():
        with gr.Column(scale=1):
          upload = gr.Image(type="numpy", image_mode="RGB", label="Your image",
                            sources=["upload", "clipboard"], elem_id="upload")
          hint = gr.Dropdown([""] + labels, value="", filterable=True,
                             label="Start from class (optional)")
          project_steps = gr.Slider(20, 600, value=200, step=20, label="Steps")
          project_button = gr.Button("Project", variant="primary", elem_id="project")
          found = gr.Textbox(label="Result", interactive=False, elem_id="found")
        with gr.Column(scale=1):
          reconstruction = gr.Image(type="pil", format="png", label="Projection",
                                    interactive=False, elem_id="reconstruction")
          projection_sliders = direction_sliders("projection")
      state = gr.State(None)
      project_button.click(project, [upload, hint, project_steps],
                           [reconstruction, found, state])
      for slider in projection_sliders:
        slider.release(edit_projection, [state] + projection_sliders, reconstruction)
  return app


def launch(app, port=7860, block=True):
  """Serves the app on 127.0.0.1:port (only this machine can reach it); with block=False
  returns once the server is up (call `app.close()` to stop it)."""
  gr = import_gradio()
  # System fonts: the default theme would fetch its fonts from the internet.
  theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"])
  return app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=not block,
                    show_error=True, ssr_mode=False, quiet=True, theme=theme)
