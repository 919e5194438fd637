"""Training: BigGAN's custom `tf.distribute` loop and what it is made of.

  loop.py            `train(config, options)`: a run, from start or resume to the last step
  trainer.py         `Trainer`: the models, optimizers and EMA under a strategy; the step
  options.py         `TrainOptions`: how a run runs (steps, checkpoints, evaluation, ...)
  checkpoints.py     the by-path checkpoint of everything a Trainer updates, and who keeps it
  best_checkpoints.py  the best checkpoints by the periodic evaluation, kept apart
  collapse_watch.py  the signs of a collapse (singular values, D's loss, FID), paper §4
  held_out.py        D's outputs on training and held-out real images, paper §4.2
  ema.py             `GeneratorEMA`: the moving average of G used for evaluation and export
  initial_weights.py fine-tuning: G, EMA G (and D) from a run or a module
  fresh_d.py         fine-tuning with a fresh D: the warm-ups that protect a pretrained G
  small_data.py      the small-data recipes' changes to a step (FreezeD, trainable subsets)
  periodic_eval.py   IS, FID, KID, precision / recall of the EMA G during training
  summaries.py       TensorBoard summaries and PNG sample grids (chief only)
  precision.py       float32, bfloat16 or float16, and which one the machine makes fast
  loss_scale.py      float16's dynamic loss scale: overflowing updates skipped on every replica
  batch_fit.py       the gradient accumulation that fits the global batch, found by trying
  demo_options.py    the embedded demo's run
"""
