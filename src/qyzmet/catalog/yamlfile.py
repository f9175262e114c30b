"""Reading a definition file: YAML to plain values, remembering the line of every field.

Errors about a definition must name the file, the line and the field, so the reader keeps,
for each path into the document (``("form", "schema", "properties", "surname")``), the
line where that value starts. It reads the safe subset of YAML only: no tags that make
objects, no anchors or aliases (a definition is written out in full, and aliases are how a
small file becomes a huge document), and no repeated keys, which YAML would silently
resolve by keeping the last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

Path = tuple[str | int, ...]
MAX_BYTES = 256 * 1024  # far beyond any service definition


class YamlError(Exception):
    """The file cannot be read as a definition; ``line`` is where (1-based), if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Document:
    """A definition file's content, with where each value stands in the file."""

    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """The line of the deepest value along ``path`` that the file has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def yaml_read(text: str) -> Document:
    """Plain values (dicts, lists, strings, numbers, booleans, None) and their lines."""
    if len(text.encode()) > MAX_BYTES:
        raise YamlError(f"the file is larger than {MAX_BYTES // 1024} KiB")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        problem = error.problem or "not valid YAML"
        raise YamlError(problem, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise YamlError(f"not valid YAML: {error}") from None
    except RecursionError:
        raise YamlError("values are nested too deeply") from None
    if node is None:
        raise YamlError("the file is empty", 1)
    return Document(*_Reader().read(node))


class _Reader:
    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}
        self.seen: set[int] = set()
        # The safe constructor, for scalars only: str, int, float, bool, None, dates.
        self.scalars = yaml.SafeLoader("")

    def read(self, node: yaml.Node) -> tuple[Any, dict[Path, int]]:
        return self.plain(node, ()), self.lines

    def plain(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.seen:  # compose gives an alias the node it names
            raise YamlError("anchors and aliases (&, *) are not used in definitions", _line(node))
        self.seen.add(id(node))
        self.lines[path] = _line(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                    raise YamlError("a key must be a plain word", _line(key_node))
                key = str(key_node.value)
                if key in result:
                    raise YamlError(f"{key!r} is given twice", _line(key_node))
                result[key] = self.plain(value_node, (*path, key))
                self.lines[(*path, key)] = _line(key_node)  # "field:" is where to look
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(item, (*path, index)) for index, item in enumerate(node.value)]
        try:
            value = self.scalars.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            raise YamlError(error.problem or "this value cannot be read", _line(node)) from None
        except (ValueError, OverflowError):  # 2024-13-45, or a number of 5,000 digits
            raise YamlError(f"{node.value[:40]!r} cannot be read", _line(node)) from None
        return _plain_scalar(value, node)


def _plain_scalar(value: Any, node: yaml.Node) -> Any:
    """Only what JSON can hold (and dates, which the definitions turn into text)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError("numbers are finite (no .inf or .nan)", _line(node))
    if isinstance(value, int) and abs(value) >= 10**18:
        raise YamlError("this number is too large", _line(node))
    if isinstance(value, str) and "\x00" in value:
        raise YamlError("texts cannot hold the NUL character", _line(node))
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    raise YamlError(f"a {type(value).__name__} is not a value a definition holds", _line(node))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1
