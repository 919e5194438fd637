"""`load_saved_model`: folders, the missing-folder error, and the collector pause."""

import gc

import pytest
import tensorflow as tf

from tfbiggan.modules.saved_model import load_saved_model


def test_a_missing_folder_is_a_clear_error(tmp_path):
  with pytest.raises(FileNotFoundError, match="no module at .*absent; give a module folder"):
    load_saved_model(tmp_path / "absent")


@pytest.fixture
def recorded_loads(monkeypatch):
  """tf.saved_model.load replaced: records whether the collector ran; "bad" paths fail."""
  states = []

  def fake_load(path, tags=None):
    del tags
    states.append(gc.isenabled())
    if path.endswith("bad"):
      raise ValueError("broken module")
    return path

  monkeypatch.setattr(tf.saved_model, "load", fake_load)
  return states


def test_the_garbage_collector_is_paused_during_the_load_only(tmp_path, recorded_loads):
  (tmp_path / "bad").mkdir()
  assert load_saved_model(tmp_path) == str(tmp_path)
  with pytest.raises(ValueError, match="broken module"):
    load_saved_model(tmp_path / "bad")
  assert recorded_loads == [False, False] and gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused(tmp_path, recorded_loads):
  gc.disable()
  try:
    load_saved_model(tmp_path)
    assert not gc.isenabled()
  finally:
    gc.enable()
