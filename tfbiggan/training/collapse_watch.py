"""The collapse watch: reads the signals a run already has and says when it collapses.

Every large BigGAN run eventually collapses (paper §4); the signs come before the samples
show it, and the best generator is some time earlier:
  * the top singular value of a G or D weight jumps (§4.1: "spectral explosion" of G's first
    layers; D's spectra turn noisy and spike). A jump is a reading `sigma_jump` times the
    median of the layer's last `history` readings;
  * D's hinge loss falls to nothing, its outputs on real and fake drifting apart without
    bound: D has memorised the training set (§4.2). Alarm when the mean d_loss of the last
    `history` loops stays below `d_loss_floor`;
  * FID rises and stays up: the last `fid_patience` evaluations each above `fid_rise` times
    the best so far (a collapse shows as a jump that does not come back, not always as a
    steady climb).

`CollapseWatch.observe_*` take the readings and return the new `Alarm`s (each signal alarms
once, when it first trips, and again only after it has settled). The loop logs them, writes
`collapse/<signal>` to TensorBoard, and with `--on_collapse=stop` ends the run after a
checkpoint. The watch's readings are saved with each checkpoint (`state`, the run's
collapse_watch.json), so a resumed run carries on judging against the readings before it
(a resume that raises the learning rates is a classic way into a collapse).
"""

import dataclasses
import statistics


@dataclasses.dataclass(frozen=True)
class Alarm:
  """A collapse sign: the `step`, the `signal` ("sigma", "d_loss" or "fid") and what was
  seen, in words (`detail`)."""
  step: int
  signal: str
  detail: str

  def __str__(self):
    return f"step {self.step}: {self.detail}"


class CollapseWatch:
  """Flags a collapse from singular values, D's loss and FID (see the module docstring).

  Args:
    sigma_jump: a layer's top singular value this many times the median of its last
      `history` readings is a jump (> 1).
    d_loss_floor: D's hinge loss below this on average over `history` loops is a collapse
      of D's loss (0 disables it; the hinge loss of a D that separates every example is 0).
    fid_rise: FID above this many times its best, rising, for `fid_patience` evaluations.
    history: readings a signal needs before it can alarm, and the window it is judged on.
    fid_patience: consecutive evaluations of rising FID that make an alarm.
  """

  def __init__(self, sigma_jump=2.0, d_loss_floor=0.05, fid_rise=1.25, history=5,
               fid_patience=2):
    if sigma_jump <= 1.0 or fid_rise <= 1.0:
      raise ValueError(f"sigma_jump ({sigma_jump}) and fid_rise ({fid_rise}) must be > 1")
    if history < 2 or fid_patience < 1:
      raise ValueError(f"history ({history}) must be >= 2 and fid_patience ({fid_patience}) "
                       ">= 1")
    self.sigma_jump, self.d_loss_floor, self.fid_rise = sigma_jump, d_loss_floor, fid_rise
    self.history, self.fid_patience = history, fid_patience
    self._sigmas = {}  # weight path -> recent top singular values
    self._d_losses = []
    self._fids = []
    self._tripped = set()  # (signal, what) alarms standing now
    self.alarms = []

  def _raise(self, key, step, signal, detail):
    if key in self._tripped:
      return []
    self._tripped.add(key)
    alarm = Alarm(step, signal, detail)
    self.alarms.append(alarm)
    return [alarm]

  def observe_singular_values(self, step, values):
    """values: {weight path: top singular values, largest first} (`top_singular_values`)."""
    new = []
    for path, top in values.items():
      sigma = float(top[0])
      recent = self._sigmas.setdefault(path, [])
      if len(recent) >= self.history:
        median = statistics.median(recent[-self.history:])
        key = ("sigma", path)
        if median > 0 and sigma > self.sigma_jump * median:
          new += self._raise(key, step, "sigma",
                             f"the top singular value of {path} jumped to {sigma:.4g}, "
                             f"{sigma / median:.1f}x the median of its last {self.history} "
                             f"readings ({median:.4g})")
        elif sigma <= self.sigma_jump * median:
          self._tripped.discard(key)
      recent.append(sigma)
      del recent[:-self.history]
    return new

  def observe_losses(self, step, metrics):
    """metrics: the loop's means, with "d_loss"."""
    self._d_losses.append(float(metrics["d_loss"]))
    del self._d_losses[:-self.history]
    if len(self._d_losses) < self.history or not self.d_loss_floor:
      return []
    mean = statistics.fmean(self._d_losses)
    if mean < self.d_loss_floor:
      return self._raise(("d_loss",), step, "d_loss",
                         f"D's loss has fallen to {mean:.3g} on average over the last "
                         f"{self.history} loops (below {self.d_loss_floor:g}): D separates "
                         "every training image, it has memorised them")
    self._tripped.discard(("d_loss",))
    return []

  def observe_evaluation(self, step, fid):
    """fid: the evaluation's FID (lower is better)."""
    self._fids.append(float(fid))
    best = min(self._fids)
    last = self._fids[-self.fid_patience:]
    risen = (len(self._fids) > self.fid_patience
             and all(f > self.fid_rise * best for f in last))
    if risen:
      return self._raise(("fid",), step, "fid",
                         f"FID has stayed above {self.fid_rise:g}x its best ({best:.4g}) for "
                         f"{self.fid_patience} evaluations: now {fid:.4g}, "
                         f"{fid / best:.2f}x")
    if fid <= self.fid_rise * best:
      self._tripped.discard(("fid",))
    return []

  def state(self):
    """The watch's readings and standing alarms, as JSON values (see `restore`)."""
    return {"sigmas": self._sigmas, "d_losses": self._d_losses, "fids": self._fids,
            "tripped": sorted(list(key) for key in self._tripped)}

  def restore(self, state):
    """Carries on from a `state()` saved by the run before (its readings and which alarms
    stand; the alarms it raised are not raised again)."""
    self._sigmas = {path: list(values) for path, values in state["sigmas"].items()}
    self._d_losses = list(state["d_losses"])
    self._fids = list(state["fids"])
    self._tripped = {tuple(key) for key in state["tripped"]}
