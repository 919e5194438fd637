"""Reads an official DeepMind BigGAN TF-Hub module (TF1 hub format) as numpy arrays.

A module folder holds saved_model.pb (the TF1 graph), variables/ (a checkpoint keyed by the
official variable names, spec §3) and tfhub_module.pb. Which of the six modules it is
follows from its variables (names and shapes, `tfbiggan/data/official_hub_variables.json`).
The generator weights are the EMA copies (`.../ema_b999900` for biggan v2, `.../ema_0.9999`
for deep) and the spectral-norm vectors `u0` (`u1`, `u2` for biggan). BN statistics:
  * biggan v2: variables `.../CrossReplicaBN[_k]/accumulated_{mean,var}`,
    `accumulation_counter` (standing statistics summed over forward passes);
  * biggan-deep v1: graph tensors `stack_<k>` ([51, C] each, one row per truncation 0, 0.02,
    ..., 1), in the order GBlock BN0 mean, BN0 var, ..., final BN mean, var (spec §3.1; the
    names are those pytorch-pretrained-biggan reads under `module_apply_default/`). They are
    constants of the graph, evaluated here without running the generator.
"""

import dataclasses
from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf

from tfbiggan import files
from tfbiggan.modules import official_names

REQUIRED_FILES = ("saved_model.pb", "variables/variables.index")


@dataclasses.dataclass
class OfficialModule:
  """An official module's generator as arrays.

  name: which official module ("biggan-128", ..., "biggan-deep-512").
  variables: {official variable name: array} of every variable the module's table lists.
  truncation_statistics: deep modules: [(mean [51, C], var [51, C])] per BN in forward order
    (the blocks' BNs, then the final one); None for biggan v2.
  """
  name: str
  variables: Dict[str, np.ndarray]
  truncation_statistics: Optional[List[tuple]] = None

  @property
  def is_deep(self):
    return "deep" in self.name


def _stack_tensor_names(name):
  """[(op name, shape, "mean" | "var")] of a deep module's statistics tensors."""
  return [(tensor.split("/")[-1].split(":")[0], tuple(shape), kind)
          for tensor, shape, kind in official_names.official_info(name).get("stack_tensors", [])]


def is_official_module(path):
  """Whether `path` is a TF1-format TF-Hub module folder (not one that tfbiggan wrote)."""
  return (files.isdir(path) and files.exists(files.join(path, "tfhub_module.pb"))
          and not files.exists(files.join(path, "assets", "metadata.json")))


def check_module_folder(module_dir):
  """Raises ValueError unless module_dir looks like a TF1-format TF-Hub module."""
  if not files.isdir(module_dir):
    raise ValueError(f"{module_dir} is not a folder; expected an official BigGAN TF-Hub module "
                     "folder as downloaded and extracted (saved_model.pb, variables/, "
                     "tfhub_module.pb)")
  missing = [f for f in REQUIRED_FILES if not files.exists(files.join(module_dir, f))]
  if missing:
    raise ValueError(f"{module_dir} is not a TF-Hub module: it lacks {', '.join(missing)}; "
                     "expected an official BigGAN module folder as downloaded and extracted "
                     "(saved_model.pb, variables/, tfhub_module.pb)")


def identify_module(shapes):
  """The official module whose variable table `shapes` ({name: shape}) holds.

  Raises:
    ValueError: no module matches; lists the closest module's missing and mis-shaped
      variables by name.
  """
  best, complete = None, []
  for name in official_names.MODULES:
    table = official_names.official_variables(name)
    missing = sorted(n for n in table if n not in shapes)
    wrong = sorted(f"{n} {list(shapes[n])} (expected {list(table[n])})" for n in table
                   if n in shapes and tuple(shapes[n]) != table[n])
    score = len(table) - len(missing) - len(wrong)
    if not missing and not wrong:
      complete.append((len(table), name))
    if best is None or score > best[0]:
      best = (score, name, missing, wrong)
  if complete:
    # A deeper module holds every variable of a shallower one (deep-512 those of deep-256).
    return max(complete)[1]
  _, name, missing, wrong = best
  if best[0] == 0:
    raise ValueError("the module holds none of the official BigGAN generator variables "
                     "(e.g. linear/w/ema_0.9999 or Generator/G_Z/G_linear/w): not a BigGAN "
                     "module")
  details = []
  if missing:
    details.append(f"missing {len(missing)}: {', '.join(missing[:20])}"
                   + (" ..." if len(missing) > 20 else ""))
  if wrong:
    details.append(f"mis-shaped {len(wrong)}: {', '.join(wrong[:20])}"
                   + (" ..." if len(wrong) > 20 else ""))
  raise ValueError(f"the module is closest to the official {name} but does not match it; "
                   + "; ".join(details))


def _graph_def(module_dir):
  from tensorflow.core.protobuf import saved_model_pb2  # pylint: disable=import-outside-toplevel
  saved_model = saved_model_pb2.SavedModel()
  saved_model.ParseFromString(files.read_bytes(files.join(module_dir, "saved_model.pb")))
  # Hub's TF1 format: the default graph has the empty tag set; take it, else the first.
  meta_graphs = sorted(saved_model.meta_graphs, key=lambda m: len(m.meta_info_def.tags))
  if not meta_graphs:
    raise ValueError(f"{module_dir}/saved_model.pb holds no graph")
  return meta_graphs[0].graph_def


def read_truncation_statistics(module_dir, name):
  """[(mean, var)] per BN of a deep module, from its graph's `stack_<k>` tensors.

  Raises:
    ValueError: a statistics tensor is missing or has the wrong shape (named).
  """
  expected = _stack_tensor_names(name)
  graph_def = _graph_def(module_dir)
  nodes = {node.name for node in graph_def.node}
  missing = [op for op, _, _ in expected if op not in nodes]
  if missing:
    raise ValueError(f"the {name} module's graph lacks the BN statistics tensors "
                     f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
  graph = tf.Graph()
  with graph.as_default():
    tf.graph_util.import_graph_def(graph_def, name="")
    tensors = [graph.get_tensor_by_name(f"{op}:0") for op, _, _ in expected]
    with tf.compat.v1.Session(graph=graph) as session:
      values = session.run(tensors)
  wrong = [f"{op} {list(v.shape)} (expected {list(shape)})"
           for (op, shape, _), v in zip(expected, values) if tuple(v.shape) != shape]
  if wrong:
    raise ValueError(f"mis-shaped BN statistics tensors: {', '.join(wrong)}")
  kinds = [kind for _, _, kind in expected]
  if kinds != ["mean", "var"] * (len(kinds) // 2):
    raise ValueError("the statistics table must alternate mean and var")
  return [(values[i].astype(np.float32), values[i + 1].astype(np.float32))
          for i in range(0, len(values), 2)]


def read_official_module(module_dir):
  """Reads an official module folder into an `OfficialModule`.

  Raises:
    ValueError: not a module folder, not a BigGAN module, or missing / mis-shaped
      variables or statistics (each named).
  """
  check_module_folder(module_dir)
  reader = tf.train.load_checkpoint(files.join(module_dir, "variables", "variables"))
  shapes = reader.get_variable_to_shape_map()
  name = identify_module(shapes)
  variables = {n: reader.get_tensor(n) for n in official_names.official_variables(name)}
  stats = read_truncation_statistics(module_dir, name) if "deep" in name else None
  return OfficialModule(name, variables, stats)
