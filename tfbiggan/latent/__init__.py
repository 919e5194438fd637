"""Latent tools: what a generator's inputs can do beyond sampling.

  directions.py     closed-form directions in z (SeFa) and the grids that move along them
  interpolation.py  walks between classes, noise vectors, or from a projection to a class
  projection.py     the input (z, class embedding) whose image matches a given image
"""
