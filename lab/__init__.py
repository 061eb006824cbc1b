"""seclab: an interactive lab that teaches Linux seccomp through Kubernetes and Docker."""

__version__ = "0.1.0"
