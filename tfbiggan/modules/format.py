"""The format of the generator modules tfbiggan writes, shared by the reader
(`tfbiggan.modules.generator_module`) and the writer (`tfbiggan_export.hub_module`).

A module is a TF2 SavedModel folder:
  saved_model.pb, variables/    the generator (and optionally its discriminator), with the
                                official modules' `default` signature
  assets/metadata.json          FORMAT, the config, the truncation grid, the provenance
  assets/class_names.txt        one class name a line
  MODEL_CARD.md                 what the module is, for a person

FORMAT names the layout and its version; a reader refuses a version newer than the one it
knows (the module was written by a newer tfbiggan).
"""

FORMAT_NAME = "tfbiggan-generator"
FORMAT_VERSION = 1
FORMAT = f"{FORMAT_NAME}/{FORMAT_VERSION}"

ASSETS_FOLDER = "assets"
METADATA_FILE = "metadata.json"
CLASS_NAMES_FILE = "class_names.txt"
MODEL_CARD_FILE = "MODEL_CARD.md"

# Attributes of the loaded SavedModel, beside its signatures.
ATTRIBUTES = ("dim_z", "num_classes", "class_names", "metadata_json")


def check_format(metadata, source):
  """Raises ValueError unless `metadata` (a module's metadata.json as a dict) is of a format
  version this reader knows; `source` names the module in the message."""
  found = metadata.get("format", "")
  name, _, version = found.partition("/")
  if name != FORMAT_NAME or not version.isdigit():
    raise ValueError(f"{source} has format {found!r}, not {FORMAT_NAME}/<version>; write it "
                     "with tfbiggan-export or tfbiggan-convert")
  if int(version) > FORMAT_VERSION:
    raise ValueError(f"{source} is a {found} module, written by a newer tfbiggan than this one "
                     f"(which reads up to {FORMAT}); upgrade tfbiggan")
