"""Make tests/roadmap/helpers.py importable as ``roadmap_helpers`` (no package __init__)."""

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).with_name("helpers.py")
if "roadmap_helpers" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("roadmap_helpers", _path)
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules["roadmap_helpers"] = _mod
    _spec.loader.exec_module(_mod)
