"""Model files: where a voice's weights come from and where a worker keeps them."""
