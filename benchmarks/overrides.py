"""Config overrides on a benchmark's command line: --overrides="field=value;field=value"."""

import json


def parse_overrides(text):
  """{field: value} of 'field=value;field=value' (values as JSON where they parse, else
  strings: 'diff_augment=translation,cutout;lecam_weight=0.3')."""
  values = {}
  for item in filter(None, (part.strip() for part in text.split(";"))):
    name, value = item.split("=", 1)
    try:
      values[name.strip()] = json.loads(value)
    except json.JSONDecodeError:
      values[name.strip()] = value
  return values
