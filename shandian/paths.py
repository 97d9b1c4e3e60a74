"""Where the installed package keeps its shipped CTP libraries.

The libraries are installed next to the compiled extension, which in an editable install is not the
source directory, so every lookup starts from the extension's location.
"""

from __future__ import annotations

from pathlib import Path

FLAVOURS = ("sfit", "local")
TRADER_LIBRARY = "libthosttraderapi_se.so"
MD_LIBRARY = "libthostmduserapi_se.so"


def package_roots() -> list[Path]:
    """Directories that may hold installed package data: the extension's, then the source package's."""
    roots: list[Path] = []
    try:
        from shandian import _core

        roots.append(Path(_core.__file__).resolve().parent)
    except ImportError:
        pass
    here = Path(__file__).resolve().parent
    if here not in roots:
        roots.append(here)
    return roots


def library_dir(flavour: str) -> Path:
    """Directory of a CTP library pair: a flavour name (`sfit`, `local`) or an explicit path.

    Raises FileNotFoundError naming every place that was searched.
    """
    if flavour not in FLAVOURS:
        path = Path(flavour).expanduser()
        if (path / TRADER_LIBRARY).is_file() and (path / MD_LIBRARY).is_file():
            return path.resolve()
        raise FileNotFoundError(
            f"CTP library path {path} must hold {TRADER_LIBRARY} and {MD_LIBRARY}"
            f" (or name a flavour: {', '.join(FLAVOURS)})"
        )
    searched = []
    for root in package_roots():
        candidate = root / "lib" / flavour
        searched.append(str(candidate))
        if (candidate / TRADER_LIBRARY).is_file() and (candidate / MD_LIBRARY).is_file():
            return candidate
    raise FileNotFoundError(
        f"no '{flavour}' CTP library pair installed (searched {', '.join(searched)}); "
        "reinstall shandian with `pip install .`"
    )
