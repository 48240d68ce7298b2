"""Reading scenario files: safe YAML with line marks, ``extends:`` merging, ``--set`` overrides.

Every problem is reported as a ``ScenarioError`` naming the file, line and key path at fault and
what is allowed, so that a user can fix a scenario without reading a traceback.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import LARGEST
from sim.scenario.schema import Scenario
from sim.scenario.sections import FLOORS

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_EXTENDS = 16

KeyPath = tuple[Any, ...]
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, and where."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Document:
    data: dict[str, Any]
    lines: dict[KeyPath, tuple[str, int | None]]


def load_scenario(path: str | Path, overrides: typing.Sequence[str] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file."""
    return load_with_origins(path, overrides)[0]


def load_with_origins(path: str | Path, overrides: typing.Sequence[str] = ()
                      ) -> tuple[Scenario, dict[str, tuple[str, int | None]]]:
    """``load_scenario``, and where each key was set: its dotted path -> (file, line), ``("--set", None)`` for an
    override; keys the files leave out take the schema's defaults and are not listed."""
    document = _read_with_extends(Path(path), stack=())
    for override in overrides:
        _apply_override(document, override)
    return _validate(document, str(path)), {".".join(map(str, key)): where for key, where in document.lines.items()
                                            if key}


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON-ready data, every default filled in."""
    return json.loads(scenario.model_dump_json(by_alias=True))


def leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of nested mappings by its dotted path (the paths ``--set`` takes)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(leaves(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


# --- reading ------------------------------------------------------------------------------------


class _SafeLineLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (they could expand into an exponential amount of data) and reads scalars as
    people write them (YAML 1.2): ``1e3`` is a number, only ``true`` and ``false`` are booleans (``NO``, ``on``,
    ``yes`` are words)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in scenarios; use extends: instead", event.start_mark
            )
        return super().compose_node(parent, index)


_SafeLineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_SafeLineLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9][0-9_]*$"),
                                      list("-+0123456789"))
_SafeLineLoader.add_constructor(  # whole numbers in decimal, as written: 010 is ten (YAML 1.1 read it as 8, octal)
    "tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node).replace("_", ""), 10))
_SafeLineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                      list("tTfF"))
_SafeLineLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                      re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                                      list("-+0123456789"))


def _read_yaml(path: Path) -> _Document:
    name = str(path)
    if path.exists() and not path.is_file():
        raise ScenarioError([Problem(name, None, "", "not a regular file (a folder, a device or a pipe): give a "
                                                     "scenario's .yaml file")])
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # whatever the file system says of its size
    except OSError as exc:
        raise ScenarioError([Problem(name, None, "", f"cannot read the file: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, None, "", f"the file is over {MAX_FILE_BYTES} bytes, the most a "
                                                     "scenario may be")])
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark some editors write
    except UnicodeDecodeError:
        raise ScenarioError([Problem(name, None, "", "cannot read the file as UTF-8 text")]) from None
    if "\x00" in text:
        raise ScenarioError([Problem(name, None, "", "the file holds a NUL byte: it is not a scenario's text")])
    loader = _SafeLineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError([Problem(name, 1, "", "the file is empty; a scenario is a mapping of keys")])
        lines: dict[KeyPath, tuple[str, int | None]] = {(): (name, node.start_mark.line + 1)}
        data = _construct(loader, node, (), lines, name)
    except _Unreadable as exc:
        raise ScenarioError([exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ScenarioError([Problem(name, line, "", f"not valid YAML: {message}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, "", f"not valid YAML: {type(exc).__name__}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(name, None, "", f"nesting deeper than {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(name, 1, "", f"the top level must be a mapping of keys, not a {type(data).__name__}")]
        )
    return _Document(data, lines)


def _construct(loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, lines: dict, name: str) -> Any:
    """Plain data from a YAML node, recording the line of every key."""
    if len(path) > MAX_DEPTH:
        raise yaml.MarkedYAMLError(None, None, f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise yaml.MarkedYAMLError(None, None, f"tag {node.tag} is not allowed in scenarios", node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(None, None, "keys must be plain scalars", key_node.start_mark)
            key = str(key_node.value)  # as written: a material NO is 'NO', a buyer group 2025 is '2025'
            if key in result:
                raise yaml.MarkedYAMLError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            lines[path + (key,)] = (name, key_node.start_mark.line + 1)
            result[key] = _construct(loader, value_node, path + (key,), lines, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[path + (index,)] = (name, item.start_mark.line + 1)
            items.append(_construct(loader, item, path + (index,), lines, name))
        return items
    return _scalar(loader, node, path, name)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, name: str) -> Any:
    """A key or value the YAML layer builds, or a problem naming where it stands if it cannot."""
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. 2025-02-30, !!int abc
        key = ".".join(str(part) for part in path)
        raise _Unreadable(Problem(name, node.start_mark.line + 1, key, f"cannot read {node.value!r}: {exc}")) from None


class _Unreadable(Exception):
    """A scalar the YAML layer cannot build (an impossible date, a malformed tagged number)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


# --- extends ------------------------------------------------------------------------------------


SCENARIO_SUFFIXES = (".yaml", ".yml")
"""What a scenario file's name (or, through a link, its target's) ends in: any other file is never read."""


def _read_with_extends(path: Path, stack: tuple[Path, ...]) -> _Document:
    if not stack and path.is_file() and path.resolve().suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError([Problem(str(path), None, "", "not a scenario file: a scenario is a file whose name ends "
                                                          "in .yaml or .yml")])
    document = _read_yaml(path)
    parent_ref = document.data.pop("extends", None)
    if parent_ref is None:
        return document
    name, line = document.lines[("extends",)]
    if not isinstance(parent_ref, str):
        raise ScenarioError([Problem(name, line, "extends", "must be the path of another scenario file")])
    parent_path = (path.parent / parent_ref).resolve()
    if parent_path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError([Problem(name, line, "extends", "must be the path of another scenario file, ending in "
                                                            ".yaml or .yml")])
    chain = stack + (path.resolve(),)
    if parent_path in chain:
        cycle = " -> ".join(str(p) for p in chain + (parent_path,))
        raise ScenarioError([Problem(name, line, "extends", f"extends cycle: {cycle}")])
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError([Problem(name, line, "extends", f"more than {MAX_EXTENDS} levels of extends")])
    if not parent_path.is_file():
        what = "not a regular file" if parent_path.exists() else "no such file"
        raise ScenarioError([Problem(name, line, "extends", f"{what}: {parent_path}")])
    parent = _read_with_extends(parent_path, chain)
    return _merge(parent, document)


def _merge(base: _Document, top: _Document) -> _Document:
    """Deep merge: mappings merge key by key, anything else in ``top`` replaces; ``null`` deletes."""
    data = copy.deepcopy(base.data)
    lines = dict(base.lines)
    _merge_into(data, top.data, (), lines, top.lines)
    return _Document(data, lines)


_TAG_DEFAULTS = {"policy": "reorder_point"}
"""The member of a tagged union chosen when the tag is left out."""


def _chooses_another(top: dict, base: dict) -> bool:
    """Whether a mapping picks another member of a tagged union than the one it lands on (another distribution
    family, inventory policy or kind of event): it then replaces that mapping whole, its keys checked against
    its own member."""
    return any(tag in top and top[tag] != base.get(tag, _TAG_DEFAULTS.get(tag)) for tag in _DISCRIMINATORS)


def _merge_into(base: dict, top: dict, path: KeyPath, lines: dict, top_lines: dict) -> None:
    for key, value in top.items():
        here = path + (key,)
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict) and not _chooses_another(value, base[key]):
            lines[here] = top_lines[here]
            _merge_into(base[key], value, here, lines, top_lines)
        else:
            for old in [k for k in lines if k[: len(here)] == here]:
                del lines[old]
            lines.update({k: v for k, v in top_lines.items() if k[: len(here)] == here})
            base[key] = value


# --- overrides ----------------------------------------------------------------------------------


def _apply_override(document: _Document, override: str) -> None:
    """Apply ``dotted.key=value``, the value read as a YAML scalar or flow collection, as ``extends`` would: a
    mapping merges key by key into the mapping there, ``~`` takes the key back to its default, anything else
    replaces."""
    key, sep, raw = override.partition("=")
    if not sep or not key.strip():
        raise ScenarioError([Problem("--set", None, override, "expected KEY=VALUE, e.g. authority.reviewers=4")])
    if not raw.strip():
        raise ScenarioError([Problem("--set", None, key.strip(), f"{override!r} has no value: give one, or ~ to take "
                                                                 "the key back to its default")])
    parts = key.strip().split(".")
    try:
        value = _read_yaml_value(raw)
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("--set", None, key, f"value is not valid YAML: {exc}")]) from None
    except _Unreadable as exc:
        where = ".".join(part for part in (key.strip(), exc.problem.key) if part)
        raise ScenarioError([Problem("--set", None, where, exc.problem.message)]) from None
    node = document.data
    if value is None:
        _check_removable(document.data, parts)
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
            document.lines[tuple(parts[: depth + 1])] = ("--set", None)  # an entry made here is blamed here
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise ScenarioError([Problem("--set", None, key, f"{where} is a single value, not a mapping of keys")])
        node = child
    here = tuple(parts)
    made = {here + path: ("--set", None) for path in _key_paths(value)}
    document.lines.setdefault(here, ("--set", None))
    _merge_into(node, {parts[-1]: value}, here[:-1], document.lines, made)


def _check_removable(data: dict, parts: list[str]) -> None:
    """Refuse ``--set KEY=~`` of a key the file does not set: a misspelt removal did nothing, silently."""
    node: Any = data
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            siblings = list(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(part, siblings, n=1, cutoff=0.6)
            hint = f"; did you mean {'.'.join([*parts[:depth], close[0]])!r}?" if close else ""
            raise ScenarioError([Problem("--set", None, ".".join(parts), "nothing to take back to its default: the "
                                         f"file sets no {'.'.join(parts[:depth + 1])}{hint}")])
        node = node[part]


def _key_paths(value: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    """The path of every key and item within a value, itself first."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _key_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _key_paths(item, path + (index,))


def _read_yaml_value(raw: str) -> Any:
    loader = _SafeLineLoader(raw)
    try:
        node = loader.get_single_node()
        return None if node is None else _construct(loader, node, (), {}, "--set")
    finally:
        loader.dispose()


# --- validation ---------------------------------------------------------------------------------


def _validate(document: _Document, name: str) -> Scenario:
    try:
        return Scenario.model_validate(document.data)
    except ValidationError as exc:
        problems = [_problem(error, document) for error in exc.errors()]
        raise ScenarioError(_entries_misnamed(problems, document)) from None


NAMED = ("buyers", "materials", "exporters", "policy")
"""Top-level mappings of entries by name, where a misspelt name makes a new, incomplete entry."""


def _entries_misnamed(problems: list[Problem], document: _Document) -> list[Problem]:
    """The problems of an entry whose name is close to another's (``eu_autos`` beside ``eu_auto``, ``NdFEB``
    beside ``NdFeB``): said once, as the likely misspelling it is, with what is wrong with it."""
    within: dict[str, list[Problem]] = {}
    for problem in problems:
        section, _, rest = problem.key.partition(".")
        if section in NAMED and rest:
            within.setdefault(f"{section}.{rest.split('.')[0]}", []).append(problem)
    for entry, found in within.items():
        section, name = entry.split(".", 1)
        entries = document.data.get(section, {})
        others = [key for key in entries if key != name]
        close = difflib.get_close_matches(name, others, n=1) or [k for k in others if k.lower() == name.lower()]
        if close and _size(entries.get(name)) < _size(entries.get(close[0])):  # a misspelling makes a sparse entry
            missing = sorted({p.key.removeprefix(entry + ".") for p in found if p.message == "required key is missing"}
                             - {entry})
            said = ("missing " + ", ".join(missing)) if missing else "; ".join(
                f"{p.key.removeprefix(entry).lstrip('.')}: {p.message}" if p.key != entry else p.message for p in found)
            problems = [p for p in problems if p not in found] + [Problem(
                found[0].file, found[0].line, entry, f"{name!r} is a new entry ({said}); did you mean {close[0]!r}?")]
    return problems


def _size(entry: Any) -> int:
    return len(entry) if isinstance(entry, dict) else 0


DATE_ERRORS = ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact")
"""What pydantic calls a value that is not a date."""


def _problem(error: Any, document: _Document) -> Problem:
    loc = error["loc"]
    # a missing key is a key, even one named as a union tag is (an inventory policy, an ``inventory`` event)
    path = (*_data_path(loc[:-1], document.data), loc[-1]) if error["type"] == "missing" else _data_path(
        loc, document.data)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], document.data)
        message = f"unknown key {path[-1]!r}"
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        message += f" Allowed here: {', '.join(allowed)}"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] == "int_type":
        message = f"{error['input']!r} is not a whole number"
    elif error["type"] == "union_tag_not_found":
        tag = error.get("ctx", {}).get("discriminator", "").strip("'")
        message = f"it has no {tag!r}, which says what kind of entry it is"
    elif error["type"] in DATE_ERRORS:
        message = f"{error['input']!r} is not a date: write it as YYYY-MM-DD{_date_hint(error['input'])}"
    elif error["type"] in ("float_parsing", "int_parsing") and isinstance(error["input"], str):
        kind = "whole number" if error["type"] == "int_parsing" else "number"
        message = f"{error['input']!r} is not a {kind}{_number_hint(error['input'], path)}"
    elif error["type"] in ("model_attributes_type", "model_type"):
        allowed = _allowed_keys(path, document.data)
        message = (f"{error['input']!r} is not a number of days or a distribution: write a number (in the key's "
                   "unit, e.g. 35) or a distribution, e.g. {dist: lognormal, mean: 35, sd: 7}" if "dist" in allowed
                   else f"{error['input']!r} is not a mapping: write its keys, {', '.join(allowed)}")
    elif error["type"] == "greater_than_equal" and error.get("ctx", {}).get("ge") in FLOORS:
        floor = error["ctx"]["ge"]
        given = error["input"]
        message = (f"{given!r} is below {FLOORS[floor]}: a replication would make events without end; give at "
                   "least that" if isinstance(given, (int, float)) and given > 0 else
                   f"{given!r} must be at least {FLOORS[floor]}")
    elif error["type"] == "less_than_equal" and error.get("ctx", {}).get("le") == LARGEST:
        unit = " days" if any(str(part).endswith("_days") for part in path) else ""
        message = f"{error['input']!r} is over a million{unit}, the most it may be"
    elif error["type"] == "bool_type":
        message = f"{error['input']!r} is neither true nor false: write true or false"
    elif error["type"] == "less_than_equal" and error.get("ctx", {}).get("le") == 1:
        given = error["input"]
        message = f"must be a share from 0 to 1, got {given!r}" + (
            f": write {given / 100:g} for {given:g} %" if isinstance(given, (int, float)) and 1 < given <= 100 else "")
    elif error["type"] == "less_than_equal":
        most = error["ctx"]["le"]
        message = f"{error['input']!r} is over {f'{int(most):,}' if most == int(most) else most}, the most it may be"
    elif not path:
        path, message = _path_in_message(message)
    file, line = _line_of(path, document)
    return Problem(file, line, ".".join(str(p) for p in path), message)


UNITS_IN_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _date_hint(given: Any) -> str:
    """What a date written another way was likely meant as: ``2026-3-2`` is 2026-03-02; ``02/03/2026`` is
    2026-03-02 or 2026-02-03, depending on the order of day and month."""
    parts = re.split(r"[-/.]", str(given).strip())
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return ", e.g. 2026-03-02"
    if len(parts[0]) == 4:
        year, month, day = map(int, parts)
        return f": {year:04d}-{month:02d}-{day:02d}?" if 1 <= month <= 12 and 1 <= day <= 31 else ""
    first, second, year = map(int, parts)
    readings = sorted({f"{year:04d}-{m:02d}-{d:02d}" for d, m in ((first, second), (second, first))
                       if 1 <= m <= 12 and 1 <= d <= 31})
    if len(readings) == 2:
        return f": {readings[0]} or {readings[1]}, depending on whether the day or the month comes first"
    return f": {readings[0]}?" if readings else ""


def _number_hint(given: str, path: KeyPath) -> str:
    """What a number written in words was likely meant as: '3 months' of a key in days is 90, '90%' is 0.9."""
    text = given.strip().lower()
    if text.endswith("%"):
        try:
            return f": write {float(text[:-1]) / 100:g} for {text[:-1].strip()} %"
        except ValueError:
            return ""
    match = re.fullmatch(r"([0-9.]+)\s*(day|week|month|year)s?", text)
    if match and path and str(path[-1]).endswith("_days"):
        days = float(match.group(1)) * UNITS_IN_DAYS[match.group(2)]
        return f": {path[-1]} is in days, write {days:g} for {given.strip()}"
    return ""


def _path_in_message(message: str) -> tuple[KeyPath, str]:
    """Cross-reference checks prefix their message with the dotted key path at fault."""
    head, sep, rest = message.partition(": ")
    if sep and " " not in head and "." in head:
        return tuple(int(p) if p.isdigit() else p for p in head.split(".")), rest
    return (), message


def _data_path(loc: tuple, data: Any) -> KeyPath:
    """The path of keys in the data that an error location points at (union tags dropped)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif not _is_tag(part):
            path.append(part)
            break
    return tuple(path)


_DISCRIMINATORS = ("event", "dist", "policy")
"""Keys whose value picks the member of a tagged union (a policy event, a distribution, an inventory policy)."""


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The model classes an annotation can hold, through Annotated, unions, lists and mappings."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _union_tags(root: type[BaseModel] = Scenario) -> set[str]:
    """Every tag of every tagged union in the schema: pydantic puts the tag in an error's location."""
    seen, todo, tags = set(), [root], set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for key, field in model.model_fields.items():
            if key in _DISCRIMINATORS and typing.get_origin(field.annotation) is typing.Literal:
                tags.update(typing.get_args(field.annotation))
            todo.extend(_models(field.annotation))
    return tags


_TAGS = _union_tags() | {"[key]"}


def _is_tag(part: Any) -> bool:
    """Whether a location part names a union member rather than a key."""
    return isinstance(part, str) and (part in _TAGS or part.startswith("function-"))


def _line_of(path: KeyPath, document: _Document) -> tuple[str, int | None]:
    for end in range(len(path), -1, -1):
        if path[:end] in document.lines:
            return document.lines[path[:end]]
    return document.lines.get((), ("?", None))


def _allowed_keys(path: KeyPath, data: Any) -> list[str]:
    """Keys the schema allows in the mapping at ``path``."""
    annotation: Any = Scenario
    node = data
    for part in path:
        annotation = _resolve(annotation, node)
        node = node[part] if isinstance(node, (dict, list)) else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else Any
    annotation = _resolve(annotation, node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return []


def _resolve(annotation: Any, node: Any) -> Any:
    """Strip Optional/Annotated and pick the member of a tagged union that ``node`` selects."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = _member_for(members, node)
        else:
            return annotation


def _member_for(members: list, node: Any) -> Any:
    members = [typing.get_args(m)[0] if typing.get_origin(m) is typing.Annotated else m for m in members]
    if len(members) == 1 or not isinstance(node, dict):
        return members[0]
    for member in members:
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            continue
        for tag in _DISCRIMINATORS:
            field = member.model_fields.get(tag)
            if field is not None and node.get(tag) in typing.get_args(field.annotation):
                return member
    return members[0]
