"""Where exercises run: the local kernel, a Docker engine, or a kind cluster."""
