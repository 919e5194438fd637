"""Projection of images into a module: recovered classes and reconstructions of generated
digits, the saved latent, and the commands that write and reuse it."""

import dataclasses
import types

import numpy as np
from PIL import Image
import pytest

from tfbiggan import files
from tfbiggan.modules.generator_module import (generate, generate_from_embedding, load_generator_module,
                                       module_class_embeddings)
from tfbiggan.image_grid import read_grid_cells, to_uint8
from tfbiggan.latent.directions import latent_grid, sefa_directions
from tfbiggan.latent.interpolation import latent_walk, projection_walk
from tfbiggan.latent.projection import (MEAN_START, Projection, adam_update,
                                        candidate_classes, nearest_classes, objective,
                                        project, projection_step, psnr)
from tfbiggan.modules.pretrained import load_pretrained_discriminator, load_pretrained_with_class_names
from tfbiggan.sampling import truncated_noise
from command_runner import run_in_process

NUM_IMAGES = 10


@pytest.fixture(scope="module")
def class_weighted_module(tmp_path_factory):
  """digits-32 with seeded random weights and its class embedding rows scaled by 4: at
  initialisation the rows (norm 1) are small against z's chunks (norm about 4), so classes
  hardly differ; scaled, each class draws its own images, as in a trained generator."""
  # pylint: disable=import-outside-toplevel
  import keras
  import tfbiggan
  from tfbiggan_export.exporter import export_generator
  keras.utils.set_random_seed(5)
  generator = tfbiggan.Generator("digits-32")
  generator.shared_embedding.w.assign(generator.shared_embedding.w * 4.0)
  path = str(tmp_path_factory.mktemp("modules") / "digits_classes")
  export_generator(generator, path, discriminator=tfbiggan.Discriminator("digits-32"))
  return path


@pytest.fixture(scope="module")
def module(class_weighted_module):
  return load_generator_module(class_weighted_module)


@pytest.fixture(scope="module")
def generated(module):
  """(images [10, 32, 32, 3], z, labels 0..9) drawn at truncation 1."""
  labels = np.arange(NUM_IMAGES) % 10
  z = truncated_noise(NUM_IMAGES, 64, 1.0, seed=11)
  return generate(module, z, np.eye(10, dtype=np.float32)[labels], 1.0), z, labels


def test_projecting_generated_digits_recovers_class_and_image(module, generated):
  """Without a class hint: every class is a candidate (10 <= max_candidates)."""
  images, _, labels = generated
  projections = project(module, images, steps=200, seed=1, feature_weight=0.0,
                        log_progress=False)
  classes = np.array([p.class_index for p in projections])
  quality = np.array([p.psnr for p in projections])
  assert np.mean(classes == labels) >= 0.9, classes
  assert np.median(quality) >= 25.0 and quality.min() >= 18.0, quality
  for p in projections:  # What is stored is what the module draws from it.
    again = generate_from_embedding(module, p.z[None], p.embedding[None], 1.0)[0]
    np.testing.assert_allclose(again, p.reconstruction, atol=1e-5)
    assert np.abs(p.z).max() <= 2.0  # Inside the truncated prior.
  np.testing.assert_allclose(quality, psnr(np.stack([p.reconstruction for p in projections]),
                                           images), rtol=1e-6)


def test_a_class_hint_and_the_discriminator_features(module, generated):
  """One start class; the discriminator's features join the loss (the module carries D)."""
  images, _, labels = generated
  hinted = project(module, images[:2], class_hints=[labels[0], None], steps=60, restarts=1,
                   seed=1, log_progress=False)
  assert hinted[0].start_class == labels[0]
  assert hinted[1].start_class in range(10)
  pixels_only = project(module, images[:1], class_hints=[labels[0]], steps=60, restarts=1,
                        seed=1, feature_weight=0.0, log_progress=False)[0]
  # Same start and steps; the feature term changes the path and adds to the loss.
  assert not np.allclose(hinted[0].z, pixels_only.z)
  pixel_loss = np.mean((hinted[0].reconstruction - images[0]) ** 2)
  assert hinted[0].loss > pixel_loss + 1e-6


def test_the_objective_is_the_pixel_error_plus_the_weighted_feature_error(
    class_weighted_module, module, generated):
  """objective() against its formula: mean (G(z, e) - target)^2 + w * |f(G(z, e)) - f_t|^2 /
  |f_t|^2, where f are the pooled features of the module's D, the vector its class
  projection reads (the Keras D of the module's weights gives the same)."""
  images, z, labels = generated
  discriminator, _ = load_pretrained_discriminator(class_weighted_module)
  features = module.discriminator.features(images).numpy()
  assert features.shape == (NUM_IMAGES, discriminator.widths[-1])
  np.testing.assert_allclose(features, discriminator.features(images).numpy(), rtol=1e-5,
                             atol=1e-4)
  rows = module_class_embeddings(module)
  start_z, embedding = 0.5 * z[1:4], rows[labels[4:7]]
  targets, target_features = images[7:10], features[7:10]
  drawn = generate_from_embedding(module, start_z, embedding, 1.0)
  pixel = np.mean((drawn - targets) ** 2, axis=(1, 2, 3))
  drawn_features = module.discriminator.features(drawn).numpy()
  feature = (np.sum((drawn_features - target_features) ** 2, axis=1) /
             (np.sum(target_features ** 2, axis=1) + 1e-8))
  assert feature.min() > 0.1 * pixel.max()  # Each term shows in the sum.
  for weight in (0.0, 0.3, 2.0):
    loss, out = objective(module, start_z, embedding, targets, target_features, 1.0, weight)
    np.testing.assert_allclose(out, drawn, atol=1e-5)
    np.testing.assert_allclose(loss, pixel + weight * feature, rtol=1e-4)


def test_the_latent_grid_puts_embeddings_in_rows_and_strengths_in_columns(
    class_weighted_module):
  """Cell (r, c) of `latent_grid` is G(z + strengths[c] * direction, row r's embedding) at
  the projection's truncation; row 0 is the projection's own embedding."""
  generator, names = load_pretrained_with_class_names(class_weighted_module)
  rng = np.random.default_rng(3)
  for bn in generator.batch_norms:  # Statistics that differ between truncations.
    bn.truncation_means.assign(rng.normal(0, 0.3, bn.truncation_means.shape))
    bn.truncation_vars.assign(rng.uniform(0.5, 2.0, bn.truncation_vars.shape))
  rows = generator.shared_embedding.w.numpy()
  z = truncated_noise(1, 64, 0.6, seed=4)[0]
  projection = Projection(z=z, embedding=0.5 * rows[2] + 0.5 * rows[5], truncation=0.6,
                          class_index=2, start_class=2, psnr=0.0, loss=0.0,
                          reconstruction=np.zeros((32, 32, 3), np.float32))
  direction = rng.normal(size=64).astype(np.float32)
  direction /= np.linalg.norm(direction)
  strengths = [-2.0, 0.0, 1.5]
  images, labels, columns = latent_grid(generator, names, projection, ["7", 1], direction,
                                        strengths)
  assert labels == ["projection", "7", "1"] and columns == 3 and images.shape == (9, 32, 32, 3)

  def drawn(z_, embedding, truncation=0.6):
    return generator.synthesize(z_[None], embedding[None], truncation=truncation).numpy()[0]

  for r, embedding in enumerate([projection.embedding, rows[7], rows[1]]):
    for c, strength in enumerate(strengths):
      np.testing.assert_allclose(images[3 * r + c], drawn(z + strength * direction, embedding),
                                 atol=1e-5, err_msg=f"cell {r}, {c}")
  assert np.abs(images[1] - drawn(z, projection.embedding, 1.0)).max() > 1e-3
  plain, _, columns = latent_grid(generator, names, projection, [3])
  assert columns == 1 and plain.shape == (2, 32, 32, 3)
  np.testing.assert_allclose(plain[1], drawn(z, rows[3]), atol=1e-5)
  with pytest.raises(ValueError, match="made in another module"):
    latent_grid(generator, names, dataclasses.replace(projection, embedding=np.zeros(8)))


@pytest.fixture(scope="module")
def truncated_generator(class_weighted_module, tmp_path_factory):
  """(generator, class names, module path): the class-weighted digits-32 with standing
  statistics that differ between truncations, so that a wrong truncation shows."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan_export.exporter import export_generator
  generator, names = load_pretrained_with_class_names(class_weighted_module)
  rng = np.random.default_rng(3)
  for bn in generator.batch_norms:
    bn.truncation_means.assign(rng.normal(0, 0.3, bn.truncation_means.shape))
    bn.truncation_vars.assign(rng.uniform(0.5, 2.0, bn.truncation_vars.shape))
  path = str(tmp_path_factory.mktemp("modules") / "digits_truncated")
  export_generator(generator, path, class_names=names)
  return generator, names, path


def _projection_between(rows, first, second, truncation=0.6):
  return Projection(z=truncated_noise(1, 64, truncation, seed=4)[0],
                    embedding=0.5 * rows[first] + 0.5 * rows[second], truncation=truncation,
                    class_index=first, start_class=first, psnr=0.0, loss=0.0,
                    reconstruction=np.zeros((32, 32, 3), np.float32))


def test_the_projection_walk_keeps_z_and_ends_at_the_class(truncated_generator):
  """Column c of `projection_walk` is G(z, lerp(projection's embedding, row of the class,
  c / (steps - 1))) at the projection's truncation."""
  generator, names, _ = truncated_generator
  rows = generator.shared_embedding.w.numpy()
  projection = _projection_between(rows, 2, 5)
  images, end = projection_walk(generator, names, projection, "7", 4)
  assert end == "7" and images.shape == (4, 32, 32, 3)
  for c in range(4):
    embedding = projection.embedding + c / 3 * (rows[7] - projection.embedding)
    expected = generator.synthesize(projection.z[None], embedding[None], truncation=0.6)
    np.testing.assert_allclose(images[c], expected.numpy()[0], atol=1e-5, err_msg=f"step {c}")
  at_one = generator.synthesize(projection.z[None], rows[7][None], truncation=1.0).numpy()[0]
  assert np.abs(images[3] - at_one).max() > 1e-2  # The truncation matters here.


def test_the_commands_draw_the_projection_cell_by_cell(truncated_generator, tmp_path):
  """The PNGs of `tfbiggan-sample --latent` and `tfbiggan-interpolate --from_latent`,
  decoded cell by cell, are the library's grids (to a level of 8 bits)."""
  generator, names, module_path = truncated_generator
  projection = _projection_between(generator.shared_embedding.w.numpy(), 2, 5)
  latent = projection.save(str(tmp_path / "between.npz"))
  grid, strip = tmp_path / "edits.png", tmp_path / "walk.png"
  result = run_in_process("sample", f"--module={module_path}", f"--latent={latent}",
                          "--classes=7,1", "--direction=0", "--strengths=-2,0,1.5",
                          f"--out={grid}")
  assert result.returncode == 0, result.stderr
  direction = sefa_directions(generator)[0][0]
  images, labels, _ = latent_grid(generator, names, projection, ["7", "1"], direction,
                                  [-2.0, 0.0, 1.5])
  cells = read_grid_cells(str(grid), 3, 3, 32, labels, title=True, scale=4)
  assert np.abs(cells.astype(int) - to_uint8(images)).max() <= 1

  result = run_in_process("interpolate", f"--module={module_path}", f"--from_latent={latent}",
                          "--to_class=7", "--steps=4", f"--out={strip}")
  assert result.returncode == 0, result.stderr
  images, _ = projection_walk(generator, names, projection, 7, 4)
  cells = read_grid_cells(str(strip), 1, 4, 32, title=True, scale=4)
  assert np.abs(cells.astype(int) - to_uint8(images)).max() <= 1


def test_projection_is_seeded_and_round_trips_through_npz(module, generated):
  images, _, _ = generated
  first, = project(module, images[:1], steps=20, seed=3, log_progress=False)
  second, = project(module, images[:1], steps=20, seed=3, log_progress=False)
  np.testing.assert_allclose(first.z, second.z, atol=1e-6)
  path = first.save("ram://projections/first.npz")
  loaded = Projection.load(path)
  np.testing.assert_array_equal(loaded.z, first.z)
  np.testing.assert_array_equal(loaded.embedding, first.embedding)
  assert (loaded.class_index, loaded.start_class, loaded.truncation) == (
      first.class_index, first.start_class, first.truncation)
  files.save_npz("ram://projections/other.npz", z=first.z)
  with pytest.raises(ValueError, match="not a projection written by tfbiggan-project"):
    Projection.load("ram://projections/other.npz")


def test_projections_reuse_the_traced_steps(class_weighted_module, generated):
  """Search and refinement (batches of 4 and 2 starts) trace one step each; another
  projection with those batches, at another truncation, traces nothing (tracing a 128 px
  module's gradient takes seconds). The steps are kept with the module."""
  module = load_generator_module(class_weighted_module)  # Its own steps.
  images, _, labels = generated
  project(module, images[:2], class_hints=labels[:2], steps=4, search_steps=2, restarts=2,
          truncation=0.5, feature_weight=0.0, log_progress=False)
  project(module, images[2:4], class_hints=labels[2:4], steps=3, search_steps=1,
          restarts=2, feature_weight=0.0, log_progress=False)
  step = projection_step(module, with_features=False)
  assert step is projection_step(module, with_features=False)
  assert step.experimental_get_tracing_count() == 2


def test_the_functional_adam_step_is_keras_adam():
  # pylint: disable=import-outside-toplevel
  import keras
  import tensorflow as tf
  rng = np.random.default_rng(0)
  start = rng.normal(size=[3, 5]).astype(np.float32)
  gradients = (rng.normal(size=[6, 3, 5]) * [[1.0], [10.0], [0.1]]).astype(np.float32)
  variable = keras.Variable(start)
  optimizer = keras.optimizers.Adam(0.05)
  value, m, v = tf.constant(start), tf.zeros_like(start), tf.zeros_like(start)
  for count, gradient in enumerate(gradients, start=1):
    optimizer.apply_gradients([(tf.constant(gradient), variable)])
    value, m, v = adam_update(value, gradient, m, v, float(count), 0.05)
  np.testing.assert_allclose(value, variable.numpy(), atol=1e-5)  # float32 rounding
  assert np.abs(value - start).max() > 0.2  # Six steps of 0.05 moved it.


def test_candidates_and_nearest_classes():
  assert candidate_classes(10) == list(range(10))
  assert candidate_classes(1000, class_hint=207) == [207]
  assert candidate_classes(1000) == [MEAN_START]
  rows = np.eye(3, dtype=np.float32)
  assert list(nearest_classes(np.array([[0.1, 0.9, 0.0], [0.6, 0.0, 0.5]]), rows)) == [1, 0]


def test_bad_inputs_and_old_modules_get_clear_errors(module):
  with pytest.raises(ValueError, match=r"targets must have shape \[N, 32, 32, 3\]"):
    project(module, np.zeros([1, 64, 64, 3]), log_progress=False)
  old = types.SimpleNamespace(signatures={"default": module.signatures["default"]})
  with pytest.raises(ValueError, match="no `embedding` signature.*tfbiggan-export"):
    module_class_embeddings(old)


def test_latent_walk_ends_at_the_projection_and_at_the_class(module):
  rows = module_class_embeddings(module)
  z = truncated_noise(1, 64, 1.0, seed=2)[0]
  zs, embeddings = latent_walk(z, rows[3] * 0.5, rows[7], 5)
  assert zs.shape == (5, 64) and np.all(zs == z)
  np.testing.assert_allclose(embeddings[[0, 4]], [rows[3] * 0.5, rows[7]], atol=1e-7)
  end = generate_from_embedding(module, zs[-1:], embeddings[-1:], 1.0)
  np.testing.assert_allclose(end, generate(module, zs[-1:], np.eye(10)[[7]], 1.0), atol=1e-5)


def _command(name, *flags, cwd=None):
  return run_in_process(name, *flags, cwd=cwd)


def test_the_commands_project_then_sample_and_walk_from_the_latent(
    class_weighted_module, generated, tmp_path):
  images, _, labels = generated
  photo = tmp_path / "photo.png"
  Image.fromarray(to_uint8(images[7:8])[0]).resize((96, 96)).save(photo)  # Any size.
  out = tmp_path / "seven.npz"
  result = _command("project", f"--module={class_weighted_module}", f"--image={photo}",
                    f"--out={out}", "--steps=120", "--seed=1", f"--class={labels[7]}")
  assert result.returncode == 0, result.stderr
  assert "projecting 120/120" in result.stderr  # Progress with ETA.
  comparison = tmp_path / "seven.png"
  assert result.stdout.splitlines()[-2:] == [str(out), str(comparison)]
  projection = Projection.load(str(out))
  assert projection.start_class == labels[7] and projection.psnr >= 20.0
  with Image.open(comparison) as picture:
    assert picture.width >= 2 * 128  # Input and reconstruction, side by side.

  grid = tmp_path / "edits.png"
  result = _command("sample", f"--module={class_weighted_module}", f"--latent={out}",
                    "--classes=1,2", "--direction=0", "--strengths=-2,0,2", f"--out={grid}")
  assert result.returncode == 0, result.stderr
  with Image.open(grid) as picture:
    assert picture.height > 3 * 128 and picture.width > 3 * 128  # 3 rows x 3 strengths.

  strip = tmp_path / "walk.png"
  result = _command("interpolate", f"--module={class_weighted_module}", f"--from_latent={out}",
                    "--to_class=2", "--steps=4", f"--out={strip}")
  assert result.returncode == 0, result.stderr
  assert strip.exists()


@pytest.mark.parametrize("flags, message", [
    (["--image=missing.png", "--out=x.npz"], "no image at --image=missing.png"),
    (["--image={photo}", "--out=x.png"], "--out must name a .npz file"),
    (["--image={photo}", "--out=x.npz", "--class=eleven"], "eleven"),
    (["--image={text}", "--out=x.npz"], "could not be read as an image"),
    (["--image={photo}", "--out=p.npz"], "would overwrite --image"),
])
def test_command_errors_are_one_line(class_weighted_module, tmp_path, flags, message):
  photo, text = tmp_path / "p.png", tmp_path / "notes.txt"
  Image.new("RGB", (32, 32)).save(photo)
  text.write_text("not an image")
  flags = [f.format(photo=photo, text=text) for f in flags]
  result = _command("project", f"--module={class_weighted_module}", *flags, cwd=tmp_path)
  assert result.returncode != 0
  assert message in result.stderr
  assert "Traceback" not in result.stderr
  assert not (tmp_path / "x.npz").exists() and not (tmp_path / "p.npz").exists()
  assert Image.open(photo).size == (32, 32)  # The input is untouched.


@pytest.mark.slow
def test_projection_on_the_trained_demo_generator(tmp_path):
  """The demo's digits-32 trained as the demo trains it on this CPU (its precision, 6-10
  minutes), exported with its D: 20 generated digits projected without a hint."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.demo import train_demo
  from tfbiggan.training.demo_options import DEMO_STEPS
  from tfbiggan.training.precision import choose_precision
  from tfbiggan_export.exporter import export_run
  run = train_demo(str(tmp_path), DEMO_STEPS, precision=choose_precision("auto").name)["run"]
  path = export_run(run.path, str(tmp_path / "module"), truncation_grid=(1.0,),
                    with_discriminator=True)
  demo = load_generator_module(path)
  labels = np.arange(20) % 10
  images = generate(demo, truncated_noise(20, 64, 1.0, seed=1000),
                    np.eye(10, dtype=np.float32)[labels], 1.0)
  found = project(demo, images, steps=300, seed=1, log_progress=False)
  assert np.mean([p.class_index for p in found] == labels) >= 0.9
  assert np.median([p.psnr for p in found]) >= 35.0
