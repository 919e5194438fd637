"""Stand-ins for the official DeepMind BigGAN TF-Hub modules, which cannot be downloaded here.

`write_official_module` writes a TF1-format hub module folder — saved_model.pb (a TF1 graph
with the empty tag set), variables/ and tfhub_module.pb — whose variables carry exactly the
official names and shapes (`official_hub_variables.json`) and, for the deep modules, whose
graph holds the BN statistics as `stack_<k>` Pack ops of constants under the names the real
graph uses (plus other `stack_<k>` ops in between, as a real graph has).
"""

import io
import os
import tarfile

import numpy as np
import tensorflow as tf

from tfbiggan.modules import official_names


def random_official_values(name, seed=0):
  """{official name: random array} for every variable of module `name`; raw and EMA copies
  differ, BN accumulators are positive sums over `accumulation_counter` passes."""
  rng = np.random.default_rng(seed)
  values = {}
  for variable, shape in official_names.official_variables(name).items():
    leaf = variable.split("/ema_")[0].rsplit("/", 1)[-1]
    if leaf == "accumulation_counter":
      value = np.float32(16.0)
    elif leaf == "accumulated_var":
      value = 16.0 * rng.uniform(0.5, 2.0, shape)
    elif leaf == "accumulated_mean":
      value = 16.0 * rng.normal(0.0, 0.3, shape)
    elif leaf.startswith("u"):
      value = rng.normal(size=shape)
      value /= np.linalg.norm(value)
    else:
      value = rng.normal(0.0, 0.05, shape)
    values[variable] = np.asarray(value, np.float32)
  return values


def random_truncation_statistics(name, seed=0):
  """[(mean [51, C], var [51, C])] per BN of a deep module, in the official order."""
  rng = np.random.default_rng(seed)
  tensors = official_names.official_info(name)["stack_tensors"]
  stats = []
  for (_, mean_shape, _), (_, var_shape, _) in zip(tensors[::2], tensors[1::2]):
    stats.append((rng.normal(0.0, 0.3, mean_shape).astype(np.float32),
                  rng.uniform(0.5, 2.0, var_shape).astype(np.float32)))
  return stats


def write_official_module(folder, values, truncation_statistics=None, stack_names=None):
  """Writes a TF1 hub-format module folder holding `values` ({name: array}).

  truncation_statistics: [(mean, var)] written as the Pack ops `stack_names` (default: the
    official names of the module whose statistics count matches).
  """
  os.makedirs(folder, exist_ok=True)
  graph = tf.Graph()
  with graph.as_default():
    assigns = []
    for name, value in values.items():
      variable = tf.compat.v1.Variable(tf.zeros(value.shape, tf.float32), name=name)
      placeholder = tf.compat.v1.placeholder(tf.float32, value.shape)
      assigns.append((variable.assign(placeholder), placeholder, value))
    if truncation_statistics is not None:
      flat = [array for pair in truncation_statistics for array in pair]
      taken = set()
      for op_name, array in zip(stack_names, flat):
        taken.add(op_name)
        tf.stack([tf.constant(row) for row in array], name=op_name)
      # Other Pack ops between them, as in the real graph.
      last = max(int(n.split("_")[1]) for n in stack_names)
      for k in range(2, last, 5):
        if f"stack_{k}" not in taken:
          tf.stack([tf.constant(1.0), tf.constant(2.0)], name=f"stack_{k}")
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.global_variables_initializer())
      session.run([assign for assign, _, _ in assigns],  # One run: 700 runs cost seconds.
                  {placeholder: value for _, placeholder, value in assigns})
      builder = tf.compat.v1.saved_model.Builder(os.path.join(folder, "export"))
      builder.add_meta_graph_and_variables(session, tags=[])
      builder.save()
  export = os.path.join(folder, "export")
  for entry in os.listdir(export):
    os.replace(os.path.join(export, entry), os.path.join(folder, entry))
  os.rmdir(export)
  with open(os.path.join(folder, "tfhub_module.pb"), "wb") as f:
    f.write(b"\x08\x03")  # ModuleDef{format: FORMAT_V3}
  return folder


def official_stack_names(name):
  """The op names of a deep module's statistics tensors, in order."""
  return [t.split("/")[-1].split(":")[0]
          for t, _, _ in official_names.official_info(name)["stack_tensors"]]


def write_random_official_module(folder, name, seed=0):
  """A stand-in of official module `name` with random values; returns (values, stats)."""
  values = random_official_values(name, seed)
  stats = random_truncation_statistics(name, seed) if "deep" in name else None
  write_official_module(folder, values, stats,
                        official_stack_names(name) if stats is not None else None)
  return values, stats


def inception_standin_tarball(folder):
  """The tarball of a stand-in for TF-GAN's Inception module (logits and pool_3 of the
  299 px images' mean colour)."""
  class Stand(tf.Module):

    @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32)])
    def __call__(self, images):
      pooled = tf.reduce_mean(images, axis=[1, 2])
      return {"logits": tf.tile(pooled, [1, 2]), "pool_3": pooled * 2.0}

  tf.saved_model.save(Stand(), str(folder))
  buffer = io.BytesIO()
  with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
    archive.add(str(folder), arcname=".")
  return buffer.getvalue()
