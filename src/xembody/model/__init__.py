"""World models: the paper's DPI-Net-style baseline and ours, behind one interface."""

from xembody.model.base import Prediction, StepBatch, WorldModel
from xembody.model.ensemble import Ensemble
from xembody.model.joint import JointConfig, JointModel
from xembody.model.ours import OursConfig, OursModel
from xembody.model.paper import PaperConfig, PaperModel

MODELS = {
    "ours": (OursModel, OursConfig),
    "paper": (PaperModel, PaperConfig),
    "joint": (JointModel, JointConfig),
}

__all__ = [
    "MODELS",
    "Ensemble",
    "OursConfig",
    "OursModel",
    "PaperConfig",
    "PaperModel",
    "Prediction",
    "StepBatch",
    "WorldModel",
]
