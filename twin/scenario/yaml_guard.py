"""The one reader of YAML a user wrote: bounded size, nesting depth and alias expansion; no duplicate keys.

PyYAML composes documents recursively (a few hundred levels of nesting end in ``RecursionError``)
and keeps an alias as a reference to its anchor, so a "billion laughs" document is small in memory
but endless to anything that walks it: validation, error messages, copies. So the text is first
read as a stream of parser events, which libyaml produces without recursion, counting how deep
the document goes and how many nodes it stands for once every alias is expanded. Only a document
within :class:`YamlLimits` is then composed, by a loader that refuses duplicate keys and turns a
scalar it cannot convert (``2025-13-45``, an integer of 5,000 digits) into a positioned problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twin.errors import shown

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlLimits:
    """What a scenario document may be; real scenarios are a few kB, a few levels deep."""

    max_bytes: int = 1_000_000   # bytes of the file
    max_depth: int = 50          # nested mappings and lists, aliases expanded
    max_nodes: int = 100_000     # scalars, mappings and lists, aliases expanded


LIMITS = YamlLimits()


class YamlProblem(ValueError):
    """A document that is not YAML or is past the limits; ``line`` and ``column`` count from 1 (0: unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        self.message, self.line, self.column = message, line, column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(where + message)


def read_yaml_file(path: Path, limits: YamlLimits = LIMITS) -> Any:
    """The parsed document in the file at ``path``; YamlProblem if it is not a small text file of YAML.

    FileNotFoundError and IsADirectoryError pass through for the caller to word.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    if path.is_dir():
        raise IsADirectoryError(path)
    if not path.is_file():
        raise YamlProblem("is not a regular file (a device or a pipe?); expected a YAML scenario file")
    with path.open("rb") as f:
        data = f.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise YamlProblem(f"is larger than {limits.max_bytes:,} bytes; a scenario is a few kB "
                          "(put large data such as weather in its own file)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); "
                          "expected a YAML scenario") from None
    return parse_yaml(text, limits)


def parse_yaml(text: str, limits: YamlLimits = LIMITS) -> Any:
    """Parse one YAML document from ``text`` within ``limits``; YamlProblem naming where it fails."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise YamlProblem(f"is larger than {limits.max_bytes:,} bytes")
    try:
        check_shape(text, limits)
        loader = _StrictLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        if mark is not None and text[mark.index:mark.index + 1] == "\t":
            problem = "a tab character; YAML indents with spaces, never tabs"
        raise YamlProblem(f"not valid YAML: {problem}", *_position(mark)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, at a character offset
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else shown(exc.character)
        raise YamlProblem(f"not valid YAML: character {char} is not allowed ({exc.reason})", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {shown(str(exc))}") from None


def check_shape(text: str, limits: YamlLimits = LIMITS) -> None:
    """YamlProblem if the document nests deeper or expands to more nodes than ``limits`` allow.

    Reads parser events only: each open collection counts the nodes it holds (an alias adds the
    count and depth of its anchor) and reports them to its parent when it closes.
    """
    open_nodes: list[list[Any]] = []     # per open collection: [nodes, depth below, anchor]
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, depth) of what it names
    loader = _BaseLoader(text)
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                open_nodes.append([1, 1, event.anchor])
                if len(open_nodes) > limits.max_depth:
                    raise YamlProblem(f"the document nests deeper than {limits.max_depth} levels "
                                      "(a scenario needs a few)", *_position(event.start_mark))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                nodes, depth, anchor = open_nodes.pop()
                if anchor is not None:
                    anchors[anchor] = (nodes, depth)
            elif isinstance(event, yaml.ScalarEvent):
                nodes, depth = 1, 0
                if event.anchor is not None:
                    anchors[event.anchor] = (1, 0)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    open_anchors = {entry[2] for entry in open_nodes}
                    why = ("refers to a node that contains it" if event.anchor in open_anchors
                           else "names no anchor defined before it")
                    raise YamlProblem(f"alias *{event.anchor[:40]} {why}", *_position(event.start_mark))
                nodes, depth = anchors[event.anchor]
            else:  # stream and document events
                continue
            if open_nodes:
                parent = open_nodes[-1]
                parent[0] += nodes
                parent[1] = max(parent[1], depth + 1)
                if parent[0] > limits.max_nodes or len(open_nodes) + depth > limits.max_depth:
                    via = " once its aliases are expanded" if isinstance(event, yaml.AliasEvent) else ""
                    too = (f"stands for more than {limits.max_nodes:,} values{via} (a scenario has a few hundred)"
                           if parent[0] > limits.max_nodes
                           else f"nests deeper than {limits.max_depth} levels{via} (a scenario needs a few)")
                    raise YamlProblem(f"the document {too}", *_position(event.start_mark))
    finally:
        loader.dispose()


def _position(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


class _StrictLoader(_BaseLoader):
    """PyYAML's safe loader, refusing duplicate keys and positioning conversion failures."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # "<<: *base" merges are meant to be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # unhashable: the base class says so, with its position
                continue
            if first is not key_node:
                line = first.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {shown(key)} (first given on line {line}); give each key once",
                    key_node.start_mark)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, OverflowError, TypeError) as exc:  # e.g. month 13, an int past 4,300 digits
            what = shown(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
            why = "it has too many digits" if "integer string conversion" in str(exc) else str(exc)[:120]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {what}: {why}", node.start_mark) from None
