"""The collapse watch (`tfbiggan.training.collapse_watch`): which readings make an alarm, and
what `--on_collapse` does with one in a run."""

import json
import os

import pytest
import tensorflow as tf

import tfbiggan
from command_runner import run_in_process
from tfbiggan.run_dir import RunDir
from tfbiggan.training.collapse_watch import CollapseWatch
from tfbiggan.training.loop import TrainOptions, train
from train_utils import TINY


def _sigmas(watch, readings, path="G/block/w"):
  """Feeds {path: [sigma]} readings at steps 1, 2, ...; returns the steps that alarmed."""
  return [step for step, sigma in enumerate(readings, 1)
          if watch.observe_singular_values(step, {path: [sigma, sigma / 2]})]


def test_a_singular_value_jump_alarms_once_against_its_own_history():
  watch = CollapseWatch(sigma_jump=2.0, history=3)
  # Steady growth, even fast, is no jump; the median of the last 3 readings is the yardstick.
  assert _sigmas(watch, [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3]) == []
  # 7.0 > 2 x median(2.2, 2.7, 3.3) = 5.4; staying high does not alarm again.
  assert _sigmas(watch, [7.0, 7.5, 8.0, 8.0]) == [1]
  assert "jumped to 7, 2.6x the median of its last 3 readings (2.7)" in str(watch.alarms[0])
  fresh = CollapseWatch(sigma_jump=2.0, history=3)
  assert _sigmas(fresh, [1.0, 50.0, 60.0]) == []  # Too few readings to judge: warm-up.
  # Each weight has its own history.
  other = CollapseWatch(sigma_jump=2.0, history=2)
  _sigmas(other, [1.0, 1.0], "D/a")
  _sigmas(other, [10.0, 10.0], "D/b")
  assert [a.detail.split()[5] for a in
          other.observe_singular_values(3, {"D/a": [3.0], "D/b": [12.0]})] == ["D/a"]


def test_d_loss_alarms_when_it_stays_below_the_floor():
  watch = CollapseWatch(d_loss_floor=0.05, history=3)
  losses = [1.2, 0.9, 0.04, 0.03, 0.5, 0.02, 0.01, 0.01, 0.01, 0.6, 0.7, 0.8, 0.01]
  alarmed = [s for s, loss in enumerate(losses, 1) if watch.observe_losses(s, {"d_loss": loss})]
  # The last 3 average below 0.05 first at step 8 (0.02, 0.01, 0.01); step 10 settles it,
  # and no later window is below the floor again.
  assert alarmed == [8]
  assert "D's loss has fallen to 0.0133" in str(watch.alarms[0])
  off = CollapseWatch(d_loss_floor=0.0, history=2)
  assert not any(off.observe_losses(s, {"d_loss": 0.0}) for s in range(5))


def test_fid_alarms_when_it_keeps_rising_above_its_best():
  def alarms(fids, fid_patience=2):
    watch = CollapseWatch(fid_rise=1.25, fid_patience=fid_patience)
    return [step for step, fid in enumerate(fids, 1) if watch.observe_evaluation(step, fid)]

  assert alarms([40.0, 30.0, 25.0, 28.0, 33.0]) == []  # 28 is within 1.25x the best (25).
  assert alarms([40.0, 30.0, 25.0, 32.0, 35.0, 38.0]) == [5]  # Twice above 31.25.
  # A jump that stays up alarms although it does not climb (the provoked digits collapse of
  # benchmarks/collapse_watch.py); one that comes back within 1.25x settles the alarm.
  assert alarms([40.0, 25.0, 90.0, 85.0, 95.0, 30.0, 80.0, 85.0]) == [4, 8]
  assert alarms([40.0, 25.0, 35.0, 30.0, 36.0]) == []  # Back within 1.25x in between.
  assert alarms([30.0, 25.0, 40.0], fid_patience=1) == [3]


def test_a_restored_watch_carries_on_from_its_readings():
  watch = CollapseWatch(sigma_jump=2.0, d_loss_floor=0.05, history=3)
  _sigmas(watch, [1.0, 1.1, 1.2])
  for step in range(3):
    watch.observe_losses(step, {"d_loss": 0.01})  # D's loss alarm stands.
  watch.observe_evaluation(1, 20.0)
  state = json.loads(json.dumps(watch.state()))  # As saved in the run's JSON.
  resumed = CollapseWatch(sigma_jump=2.0, d_loss_floor=0.05, history=3)
  resumed.restore(state)
  # Judged against the readings before the resume: the first reading after it can alarm.
  assert _sigmas(resumed, [5.0]) == [1]
  assert resumed.observe_losses(4, {"d_loss": 0.01}) == []  # Not raised twice.
  # FID's best (20) is remembered: twice above 25 alarms.
  assert resumed.observe_evaluation(2, 30.0) == [] and resumed.observe_evaluation(3, 30.0)
  fresh = CollapseWatch(sigma_jump=2.0, history=3)
  assert _sigmas(fresh, [5.0]) == []  # Without the state: warm-up.


def _tiny_run(model_dir, steps, **options):
  config = tfbiggan.get_config("digits-32", **TINY)
  return train(config, TrainOptions(model_dir=model_dir, steps=steps, steps_per_loop=1,
                                    checkpoint_every=100, summary_every=1,
                                    standing_stats_batches=0, **options))


def _logged_tags(model_dir):
  tags = []
  folder = os.path.join(model_dir, "train")
  for name in os.listdir(folder):
    for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
      tags += [(event.step, v.tag) for v in event.summary.value if v.tag.startswith("collapse")]
  return sorted(tags)


def test_on_collapse_stop_saves_and_ends_the_run_and_warn_goes_on(tmp_path):
  # A floor above any hinge loss makes D's-loss signal trip once the watch has its history
  # (5 loops): the run's reaction is what is tested here, not the threshold.
  stopped = _tiny_run(str(tmp_path / "stop"), 8, on_collapse="stop",
                      collapse_d_loss_floor=100.0, collapse_sigma_jump=1e3)
  assert stopped["stopped"] == "collapse" and stopped["step"] == 5
  assert [(a.step, a.signal) for a in stopped["alarms"]] == [(5, "d_loss")]
  assert os.path.basename(RunDir(str(tmp_path / "stop")).latest_checkpoint()) == "ckpt-5"
  assert (5, "collapse/d_loss") in _logged_tags(str(tmp_path / "stop"))
  with open(RunDir(str(tmp_path / "stop")).collapse_watch_path) as f:
    saved = json.load(f)
  assert len(saved["d_losses"]) == 5 and saved["tripped"] == [["d_loss"]]
  # Resumed, the watch carries on from its readings: the alarm that stopped the run stands
  # and does not stop it again (a fresh watch would alarm after 5 loops, at step 10).
  resumed = _tiny_run(str(tmp_path / "stop"), 12, on_collapse="stop",
                      collapse_d_loss_floor=100.0, collapse_sigma_jump=1e3)
  assert resumed["stopped"] == "done" and resumed["alarms"] == []
  warned = _tiny_run(str(tmp_path / "warn"), 6, collapse_d_loss_floor=100.0,
                     collapse_sigma_jump=1e3)
  assert warned["stopped"] == "done" and warned["step"] == 6
  assert [(a.step, a.signal) for a in warned["alarms"]] == [(5, "d_loss")]


def test_the_command_names_the_choices_and_bounds():
  result = run_in_process("train", "--model_dir=/nonexistent", "--steps=1",
                          "--on_collapse=pause")
  assert result.returncode != 0
  assert "on_collapse" in result.stderr and "warn|stop|off" in result.stderr, result.stderr
  with pytest.raises(ValueError, match="collapse_sigma_jump must be > 1"):
    TrainOptions(model_dir="x", steps=1, collapse_sigma_jump=1.0).validate()
