"""Writes the latent-tool pictures of the docs from a digits module (the demo's).

  docs/images/projection.png   real held-out digits, their projections (no class hint), and a
                               walk from the first projection to another digit
  docs/images/directions.png   the three strongest SeFa directions, "direction x strength"

  python scripts/latent_pictures.py --module=outputs/demo/module --out_dir=docs/images
"""

import os

from absl import app
from absl import flags

flags.DEFINE_string("module", "outputs/demo/module", "A digits-32 module (with the embedding "
                    "signature).")
flags.DEFINE_string("out_dir", "docs/images", "Where the PNGs go.")
flags.DEFINE_integer("count", 8, "Digits projected.", lower_bound=2)
flags.DEFINE_integer("steps", 300, "Projection steps.", lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import numpy as np
  from tfbiggan.data.digits import load_digits_array
  from tfbiggan.modules.generator_module import (generate_from_embedding, load_generator_module,
                                         module_class_embeddings)
  from tfbiggan.image_grid import save_image_grid
  from tfbiggan.latent.directions import direction_grid, sefa_directions
  from tfbiggan.latent.interpolation import latent_walk
  from tfbiggan.latent.projection import project
  from tfbiggan.modules.pretrained import generator_from_module

  module = load_generator_module(FLAGS.module)
  test_x, test_y = load_digits_array("test")
  order = [int(np.flatnonzero(test_y == d)[0]) for d in range(FLAGS.count)]
  targets = test_x[order]
  found = project(module, targets, steps=FLAGS.steps, seed=0)
  end = (int(test_y[order[0]]) + 3) % 10
  z, embeddings = latent_walk(found[0].z, found[0].embedding,
                              module_class_embeddings(module)[end], FLAGS.count)
  walk = generate_from_embedding(module, z, embeddings, found[0].truncation)
  rows = np.concatenate([targets, np.stack([p.reconstruction for p in found]), walk])
  labels = ["real", "projected", f"to {end}"]
  print(save_image_grid(
      os.path.join(FLAGS.out_dir, "projection.png"), rows, 3, FLAGS.count, labels,
      "held-out digits, their projections (no class hint), a walk to another digit",
      scale=3))
  print("classes found:", [p.class_index for p in found], "PSNR:",
        [round(p.psnr, 1) for p in found])

  generator = generator_from_module(module)
  directions, _ = sefa_directions(generator)
  strengths = [-3.0, -1.5, 0.0, 1.5, 3.0]
  images = np.concatenate([
      direction_grid(generator, [str(d) for d in range(10)], directions[k], strengths,
                     [3, 5, 8], truncation=0.5, seed=1)[0] for k in range(3)])
  labels = [f"dir {k}, digit {d}" for k in range(3) for d in (3, 5, 8)]
  print(save_image_grid(os.path.join(FLAGS.out_dir, "directions.png"), images, 9,
                        len(strengths), labels,
                        "SeFa directions 0-2, strengths -3 .. 3 (middle: the sample)",
                        scale=3))


if __name__ == "__main__":
  app.run(main)
