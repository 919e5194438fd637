"""Latent tools: directions in z that edit what a generator makes (`directions`)."""
