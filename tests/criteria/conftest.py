"""Make tests/criteria/helpers.py importable as ``criteria_helpers`` (no package __init__)."""

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).with_name("helpers.py")
if "criteria_helpers" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("criteria_helpers", _path)
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules["criteria_helpers"] = _mod
    _spec.loader.exec_module(_mod)
