"""Neural network modules of jukebox-cli: the VQ-VAE codec and the priors.

Every module here is laid out so that its ``state_dict`` keys are exactly those of OpenAI's
original implementation, so the released checkpoints load without any key renaming.
"""
