"""Reading a tfbiggan module's weights and assets without loading its graphs.

`tf.saved_model.load` rebuilds every function of a module as a Python graph and creates its
variables before a Keras generator can copy them: most of a module's load time
(docs/benchmarks.md), all of it wasted when the caller wants the Keras `Generator`
(`tfbiggan.load_pretrained`). The weights
are a TensorFlow checkpoint in the module's variables/ folder, and the module's `variables`
list (G's weights in order, see `tfbiggan_export.hub_module`) is a path of that checkpoint's
object graph: each list entry is a node whose saved value has a checkpoint key. Here the
object graph maps the list to its keys, and one RestoreV2 op reads them all.

Works on any TensorFlow file system (a module on a bucket reads as a local one).
"""

import tensorflow as tf
from tensorflow.core.protobuf import trackable_object_graph_pb2

from tfbiggan import files
from tfbiggan.modules import format as module_format

_VARIABLES_PREFIX = ("variables", "variables")  # variables/variables.{index,data-*}
_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def is_tfbiggan_module_folder(path):
  """Whether the folder `path` holds a module written by tfbiggan (its metadata.json)."""
  return files.exists(files.join(path, module_format.ASSETS_FOLDER,
                                 module_format.METADATA_FILE))


def read_module_metadata(path):
  """The module's assets/metadata.json as a dict, checked to be of a format this reader
  knows (`tfbiggan.modules.format.check_format`, which raises ValueError)."""
  metadata = files.read_json(files.join(path, module_format.ASSETS_FOLDER,
                                        module_format.METADATA_FILE))
  module_format.check_format(metadata, path)
  return metadata


class ModuleCheckpoint:
  """The checkpoint in a module's variables/ folder, read by the module's attribute paths
  (e.g. `variable_list("variables")` is G's weights in order, `variable_list("discriminator",
  "variables")` D's).

  Args:
    path: the module's folder.
  """

  def __init__(self, path):
    self.path = path
    self._prefix = files.join(path, *_VARIABLES_PREFIX)
    # Not tf.train.load_checkpoint: on a file system without real folders (ram://) it takes
    # the prefix of variables/variables.index for a folder and looks for a checkpoint in it.
    self._reader = tf.compat.v1.train.NewCheckpointReader(self._prefix)
    self._graph = trackable_object_graph_pb2.TrackableObjectGraph()
    self._graph.ParseFromString(self._reader.get_tensor(_OBJECT_GRAPH_KEY))

  def _node(self, *names):
    """The object graph's node at the attribute path `names` from the module's root."""
    node = self._graph.nodes[0]
    for depth, name in enumerate(names):
      children = {child.local_name: child.node_id for child in node.children}
      if name not in children:
        raise ValueError(f"{self.path} has no {'.'.join(names[:depth + 1])} in its "
                         "variables/; write it again with tfbiggan-export or tfbiggan-convert")
      node = self._graph.nodes[children[name]]
    return node

  def has(self, *names):
    """Whether the module has an object at the attribute path `names`."""
    try:
      self._node(*names)
    except ValueError:
      return False
    return True

  def class_names(self):
    """The module's class names, a list of str (its `class_names`, as `module_class_names`
    reads them from the loaded module)."""
    return [name.decode("utf-8") for name in self.value("class_names")]

  def value(self, *names):
    """The value (numpy) of the variable at the attribute path `names`."""
    return self._reader.get_tensor(_value_key(self._node(*names)))

  def variable_list(self, *names):
    """The values (tf.Tensor) of the list of variables at the attribute path `names`, in its
    order (ValueError, naming what is missing, when there is none)."""
    node = self._node(*names)
    entries = sorted((int(child.local_name), child.node_id)
                     for child in node.children if child.local_name.isdigit())
    keys = [_value_key(self._graph.nodes[node_id]) for _, node_id in entries]
    dtypes = self._reader.get_variable_to_dtype_map()
    # One op for all the reads, rather than one op (and one pass over the index) a key.
    return tf.raw_ops.RestoreV2(prefix=self._prefix, tensor_names=keys,
                                shape_and_slices=[""] * len(keys),
                                dtypes=[dtypes[key] for key in keys])


def _value_key(node):
  """The checkpoint key of a variable node's value."""
  for attribute in node.attributes:
    if attribute.name == "VARIABLE_VALUE":
      return attribute.checkpoint_key
  raise ValueError("a module's variable list holds something that is not a variable")
