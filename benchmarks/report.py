"""What every benchmark does last: print its JSON report and, with ``--out``, write it there too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["emit"]


def emit(report: dict[str, Any], out: Path | None) -> int:
    """Print ``report`` as indented JSON (UTF-8, Chinese unescaped); write it to ``out`` too when given."""
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    return 0
