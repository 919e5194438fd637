"""tfbiggan-explore: a local web page to look at a generator module and edit what it makes.

Serves, on 127.0.0.1 only, a page with: samples of a class (search classes by name,
truncation slider, seed, number of samples, PNG download); walks between two classes or two
seeds; sliders along the strongest latent directions (SeFa); and projection of an uploaded
image, which the direction sliders then edit. Needs Gradio (the explore extra,
docs/install.md). The module may be named (biggan-deep-128) or on a bucket (gs://...); it
needs the `embedding` signature (modules exported or converted by tfbiggan 0.1.0 or later).

Examples:
  tfbiggan-explore --module=biggan-deep-128
  tfbiggan-explore --module=outputs/demo/module --port=8080
"""

from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, common.MODULE_HELP)
flags.DEFINE_integer("port", 7860, "The local port to serve on.", lower_bound=1,
                     upper_bound=65535)
flags.DEFINE_integer("batch_size", 16, "Images per module call.", lower_bound=1)
flags.DEFINE_enum("precision", "float32", common.SAMPLING_PRECISIONS, common.PRECISION_HELP)


def main(argv):
  del argv
  common.require("module")
  # pylint: disable=import-outside-toplevel
  from tfbiggan.explorer_app import build_app, import_gradio, launch
  import_gradio()  # Before the module loads: a missing extra is said at once.
  from tfbiggan.explorer import Explorer
  explorer = Explorer(common.load_module(rebuild=True), batch_size=FLAGS.batch_size,
                      warm_up=True)
  app = build_app(explorer)
  print(f"tfbiggan-explore: serving {FLAGS.module} on http://127.0.0.1:{FLAGS.port} "
        "(Ctrl-C stops it)", flush=True)
  launch(app, FLAGS.port)
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-explore", __name__)


if __name__ == "__main__":
  run()
