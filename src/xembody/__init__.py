"""xembody: one particle world model that controls many hands."""

from xembody.embodiments import REGISTRY, Embodiment, load_hand
from xembody.errors import XembodyError

__all__ = ["REGISTRY", "Embodiment", "XembodyError", "load_hand"]
__version__ = "0.1.0"
