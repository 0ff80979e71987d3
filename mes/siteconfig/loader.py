"""Load and validate a site file; every error names the file, the line and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mes.siteconfig.schema import SiteConfig

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a site file."""

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class SiteConfigError(Exception):
    """A site file that cannot be used; `problems` lists every error found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_site_config(path: str | Path) -> SiteConfig:
    """Read, parse and validate a site file, or raise SiteConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteConfigError([ConfigProblem(path, None, "", f"cannot read the file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise SiteConfigError([ConfigProblem(path, None, "", "the file is not UTF-8 text")]) from exc
    return parse_site_config(text, path)


def parse_site_config(text: str, path: Path) -> SiteConfig:
    """Validate site-file text; `path` is used only in error messages."""
    try:
        data = yaml.safe_load(text)
        lines = _line_index(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise SiteConfigError([ConfigProblem(path, line, "", f"not valid YAML: {reason}")]) from exc
    if not isinstance(data, dict):
        raise SiteConfigError([ConfigProblem(path, 1, "", "the file must be a mapping with a 'site' key")])
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        raise SiteConfigError([_problem(path, err, lines) for err in exc.errors()]) from exc


def _problem(path: Path, error: Any, lines: dict[Location, int]) -> ConfigProblem:
    loc: Location = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return ConfigProblem(path, _nearest_line(loc, lines), _dotted(loc), message)


def _nearest_line(loc: Location, lines: dict[Location, int]) -> int | None:
    """The line of the deepest part of the location that the file has (a missing key: its parent)."""
    for depth in range(len(loc), -1, -1):
        if loc[:depth] in lines:
            return lines[loc[:depth]]
    return None


def _dotted(loc: Location) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _line_index(node: yaml.Node | None, prefix: Location = ()) -> dict[Location, int]:
    """Map every key path of the YAML document to the 1-based line where its value starts."""
    index: dict[Location, int] = {}
    if node is None:
        return index
    index[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*prefix, key.value)
            index.update(_line_index(value, child))
            index[child] = key.start_mark.line + 1  # the key's line reads best in a message
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            index.update(_line_index(item, (*prefix, position)))
    return index
