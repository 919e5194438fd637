"""Progress lines: rate, ETA, throttling, and `track`."""

from absl import logging
import pytest

from tfbiggan import progress as progress_module
from tfbiggan.progress import Progress, format_duration, track


@pytest.fixture
def lines_and_clock(monkeypatch):
  """Captured progress lines, and a settable clock."""
  lines, now = [], [100.0]
  monkeypatch.setattr(logging, "info", lambda fmt, *args: lines.append(fmt % args))
  monkeypatch.setattr(progress_module.time, "time", lambda: now[0])
  return lines, now


def test_format_duration():
  assert format_duration(0) == "0m00s"
  assert format_duration(247) == "4m07s"
  assert format_duration(3900) == "1h05m"
  assert format_duration(-5) == "0m00s"


def test_rate_leaves_out_the_first_update_and_eta_follows(lines_and_clock):
  lines, now = lines_and_clock
  progress = Progress("work", 10, "items")
  now[0] += 50.0  # The first item holds the tracing: 50 s.
  progress.update()
  now[0] += 2.0   # Then 2 items in 2 s: 1 item/s, 7 left.
  progress.update(2)
  assert lines == ["work 1/10 (10%), 0.02 items/s, ETA 7m30s",
                   "work 3/10 (30%), 1.00 items/s, ETA 0m07s"]


def test_min_interval_keeps_the_first_and_last_lines(lines_and_clock):
  lines, now = lines_and_clock
  progress = Progress("samples", 100, "samples", min_interval_s=30)
  for _ in range(10):
    now[0] += 5.0
    progress.update(10)
  # Logged at 10 (first), 70 (30 s after it), and 100 (the last); the rest are skipped.
  assert [line.split()[1] for line in lines] == ["10/100", "70/100", "100/100"]


def test_track_yields_every_item_and_counts_them(lines_and_clock):
  lines, _ = lines_and_clock
  batches = [[1, 2, 3], [4, 5], [6]]
  progress = Progress("rows", 6, "rows")
  assert list(track(iter(batches), progress)) == batches
  assert progress.done == 6 and len(lines) == 3
