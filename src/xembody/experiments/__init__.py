"""Experiments that reproduce the paper's findings, one module per finding.

`EXPERIMENTS` maps each experiment's config class to (its run function, the stem of its table and plot in
`--out`, the columns the CLI prints per row).
"""

from xembody.experiments.cotrain import COLUMNS as COTRAIN_COLUMNS
from xembody.experiments.cotrain import CotrainConfig, cotrain
from xembody.experiments.dof import COLUMNS as DOF_COLUMNS
from xembody.experiments.dof import DofConfig, dof
from xembody.experiments.scaling import COLUMNS as SCALING_COLUMNS
from xembody.experiments.scaling import ScalingConfig, scaling

EXPERIMENTS = {
    CotrainConfig: (cotrain, "cotrain", COTRAIN_COLUMNS),
    DofConfig: (dof, "dof", DOF_COLUMNS),
    ScalingConfig: (scaling, "scaling", SCALING_COLUMNS),
}
