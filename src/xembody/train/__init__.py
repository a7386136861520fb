"""Training and evaluation of world models."""

from xembody.train.config import TrainConfig
from xembody.train.loop import train

__all__ = ["TrainConfig", "train"]
