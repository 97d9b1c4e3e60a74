"""Agent classes named in a config: `module:Class` or `path/file.py:Class`."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from shandian.agent import (
    Agent,
)


def load_agent_class(spec: str, base_dir: Path) -> type[Agent]:
    """`module:Class` (imported) or `path/file.py:Class` (loaded from the file, relative to base_dir)."""
    target, _, cls_name = spec.rpartition(":")
    if target.endswith(".py") or "/" in target:
        path = (base_dir / target).resolve()
        if not path.is_file():
            raise ImportError(f"agent file {path} does not exist")
        module_name = f"shandian_agents_{path.stem}_{abs(hash(str(path))) & 0xFFFF:x}"
        module = sys.modules.get(module_name)
        if module is None:
            mod_spec = importlib.util.spec_from_file_location(module_name, path)
            if mod_spec is None or mod_spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[module_name] = module
            mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise ImportError(f"{spec}: {cls_name} is not a shandian.Agent subclass")
    return cls
