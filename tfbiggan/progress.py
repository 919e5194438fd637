"""Progress lines with rate and ETA for long work (training loops, baking statistics)."""

import time

from absl import logging


def format_duration(seconds):
  """"1h05m" / "4m07s" for a number of seconds (negative counts as 0)."""
  seconds = int(max(seconds, 0))
  hours, rest = divmod(seconds, 3600)
  return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Progress:
  """Logs "<what> i/n (x%), <rate>/s, ETA ..." as n units of work get done.

  The first update's time is left out of the rate once a second one is done (it holds the
  tracing), so the ETA settles quickly. With `min_interval_s`, a line is logged at most that
  often (the first and the last update always are).
  """

  def __init__(self, what, total, unit="steps", min_interval_s=0.0):
    self.what, self.total, self.unit = what, total, unit
    self.min_interval_s = min_interval_s
    self.done = 0
    self._start = time.time()
    self._after_first = None
    self._logged = None

  def update(self, count=1):
    self.done += count
    now = time.time()
    first = self._after_first is None
    if not first and self.done < self.total and now - self._logged < self.min_interval_s:
      return
    self._logged = now
    if first:
      self._after_first = (now, self.done)
      rate = self.done / max(now - self._start, 1e-9)
    else:
      since, done_then = self._after_first
      rate = (self.done - done_then) / max(now - since, 1e-9)
    eta = format_duration((self.total - self.done) / rate) if rate > 0 else "?"
    logging.info("%s %d/%d (%.0f%%), %.2f %s/s, ETA %s", self.what, self.done, self.total,
                 100.0 * self.done / max(self.total, 1), rate, self.unit, eta)


def track(iterable, progress, count=len):
  """Yields the items of `iterable`, updating `progress` by `count(item)` after each."""
  for item in iterable:
    yield item
    progress.update(count(item))
