"""tfbiggan_export: SavedModel / TF-Hub exporter and the official-module converter.

Installed under the import name `tfbiggan_export` (see setup.py). The exporter and the
converter are tracked in the project's export and pretrained-generator issues; this package
holds them as they land.
"""
