import os
from pathlib import Path

import pytest

# Offline machines keep the Menagerie hands beside the project (see README); an explicit setting wins.
_SHARED = Path(__file__).resolve().parents[2] / "shared" / "menagerie"
if "MENAGERIE_ROOT" not in os.environ and _SHARED.is_dir():
    os.environ["MENAGERIE_ROOT"] = str(_SHARED)

import xembody  # noqa: E402
from xembody.embodiments import REGISTRY  # noqa: E402

HAND_NAMES = list(REGISTRY)


@pytest.fixture(scope="session")
def hands() -> dict[str, xembody.Embodiment]:
    """Every registered hand, loaded once."""
    return {name: xembody.load_hand(name, n_points=50) for name in HAND_NAMES}
