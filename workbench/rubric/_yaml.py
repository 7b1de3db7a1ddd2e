"""YAML with line numbers, and a small navigator that names key and line in every error.

Examples
--------
>>> data = parse_yaml("a:\\n  b: 1\\n  c: [2, 3]\\n")
>>> data.lines["a"], data["a"].lines["c"]
(1, 3)
>>> node = Node(data, "", None, Context(None)).child("a").child("b")
>>> node.path, node.line, node.number()
('a.b', 2, 1.0)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml

from workbench.errors import RubricError

__all__ = ["Context", "LineDict", "LineList", "Node", "parse_yaml", "plain"]


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the 1-based line of each key."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class LineList(list):  # type: ignore[type-arg]
    """A sequence that remembers the 1-based line of each item."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines: dict[int, int] = {}


class _Duplicate(Exception):
    """A key given twice in one mapping (message, key, line)."""


class _Loader(yaml.SafeLoader):
    """A SafeLoader whose mappings and sequences record the lines of their entries."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise _Duplicate(f"Duplicate key '{key}' (first on line {out.lines[key]}); "
                             "remove one of them.", str(key), line)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList()
    out.line = node.start_mark.line + 1
    for i, item in enumerate(node.value):
        out.append(loader.construct_object(item, deep=True))
        out.lines[i] = item.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text: str, file: str | None = None) -> Any:
    """Parse YAML text into :class:`LineDict` / :class:`LineList` / scalars."""
    try:
        return yaml.load(text, Loader=_Loader)
    except _Duplicate as exc:
        message, key, line = exc.args
        raise RubricError(message, key=key, line=line, file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"The file is not valid YAML: {problem}. Check indentation, colons and quotes.",
                          line=line, file=file) from None


def plain(value: Any) -> Any:
    """Drop the line bookkeeping: plain dicts, lists and scalars."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Context:
    """Where the rubric came from (the file named in every error)."""

    file: str | None


_MISSING = object()


class Node:
    """A value in the rubric spec with its dotted key and line, for precise errors."""

    def __init__(self, value: Any, path: str, line: int | None, ctx: Context) -> None:
        self.value = value
        self.path = path
        self.line = line if line is not None else getattr(value, "line", None)
        self.ctx = ctx

    def fail(self, message: str, key: str | None = None, line: int | None = None) -> NoReturn:
        """Raise :class:`RubricError` at this node (or at its child ``key``)."""
        path = f"{self.path}.{key}" if key and self.path else (key or self.path)
        if key is not None and isinstance(self.value, LineDict) and line is None:
            line = self.value.lines.get(key)
        raise RubricError(message, key=path or None, line=line if line is not None else self.line,
                          file=self.ctx.file)

    def mapping(self) -> dict[Any, Any]:
        """The value, which must be a mapping."""
        if not isinstance(self.value, dict):
            self.fail(f"Expected a mapping (key: value lines) here, got {type(self.value).__name__} "
                      f"{self.value!r}.")
        return self.value

    def has(self, key: str) -> bool:
        """Whether the mapping has ``key``."""
        return isinstance(self.value, dict) and key in self.value

    def child(self, key: Any, default: Any = _MISSING) -> Node:
        """The child at ``key``; missing and no default: an error that says so."""
        mapping = self.mapping()
        path = f"{self.path}.{key}" if self.path else str(key)
        if key not in mapping:
            if default is _MISSING:
                self.fail(f"Missing required key '{key}'; add it.")
            return Node(default, path, self.line, self.ctx)
        line = mapping.lines.get(key) if isinstance(mapping, LineDict) else None
        return Node(mapping[key], path, line, self.ctx)

    def allowed(self, keys: tuple[str, ...]) -> None:
        """Refuse keys outside ``keys`` (a typo would otherwise be ignored silently)."""
        for key in self.mapping():
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(keys)}."
                self.fail(f"Unknown key '{key}'; {hint}", key=str(key))

    def items(self) -> Iterator[tuple[Any, Node]]:
        """Children of a mapping, in file order."""
        for key in self.mapping():
            yield key, self.child(key)

    def elements(self) -> Iterator[Node]:
        """Children of a list; each element's key is its ``id`` when it has one."""
        if not isinstance(self.value, list):
            self.fail(f"Expected a list (lines starting with '- ') here, got {type(self.value).__name__}.")
        for i, item in enumerate(self.value):
            seg = item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else str(i)
            line = self.value.lines.get(i) if isinstance(self.value, LineList) else None
            yield Node(item, f"{self.path}.{seg}", line, self.ctx)

    def text(self) -> str:
        """The value as a non-empty string."""
        if isinstance(self.value, bool) or not isinstance(self.value, str | int | float) or str(self.value) == "":
            self.fail(f"Expected a non-empty text here, got {self.value!r}.")
        return str(self.value)

    def number(self) -> float:
        """The value as a number (not a boolean)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.fail(f"Expected a number here, got {self.value!r}.")
        return float(self.value)

    def boolean(self) -> bool:
        """The value as ``true`` / ``false``."""
        if not isinstance(self.value, bool):
            self.fail(f"Expected true or false here, got {self.value!r}.")
        return self.value

    def choice(self, options: tuple[str, ...]) -> str:
        """The value, which must be one of ``options``."""
        value = self.text()
        if value not in options:
            close = difflib.get_close_matches(value, options, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            self.fail(f"'{value}' is not allowed here; use one of {', '.join(options)}.{hint}")
        return value

    def ref(self, known: Any, what: str) -> str:
        """The value, which must name one of ``known`` (e.g. an indicator id)."""
        value = self.text()
        if value not in known:
            close = difflib.get_close_matches(value, [str(k) for k in known], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(map(str, known))}."
            self.fail(f"Unknown {what} '{value}'.{hint}")
        return value
