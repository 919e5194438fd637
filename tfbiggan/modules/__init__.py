"""Reading generator modules: naming, fetching, caching, converting and loading them.

  resolver.py          a name, URL, Kaggle handle, tarball or folder -> a folder that loads
                       (`fetch`, `resolve_module`); official modules converted once
  catalog.py           the six official modules' short names and URLs ($TFBIGGAN_HUB_URL)
  download.py          fetching as TF-Hub's client does; safe extraction of tarballs
  cache.py             where downloads and conversions are kept, each entry atomic
  format.py            our module format's files and version, shared with the writer
                       (`tfbiggan_export`)
  saved_model.py       `load_saved_model`: any SavedModel, without tensorflow_hub
  generator_module.py  our modules: load and check one, call it, read its classes
  module_weights.py    our modules' weights, metadata and classes read without loading
                       their graphs (for `load_pretrained`)
  official.py          the official TF1-format modules as arrays
  official_names.py    their variable names, and where each lands in our Keras weights
  pretrained.py        `load_pretrained`: the Keras Generator (and D) of a module
  module_precision.py  `module_in_precision`: a loaded module sampling in bfloat16 / float16

Writing modules (export, conversion) is `tfbiggan_export`'s; `resolve_module` calls its
converter to fill the cache, the one call from the core into it.
"""
