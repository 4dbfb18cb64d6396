"""A small reader of the repository's Dockerfile, for the tests: its stages and their
instructions (continuation lines joined, comments dropped), and the exec-form
``CMD``/``HEALTHCHECK`` and ``ENV`` of a target with what it inherits from earlier stages.
It reads what this Dockerfile uses, not every Dockerfile (no parser directives beyond
``# syntax``, no heredocs)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str  # the FROM image, or the name of an earlier stage
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (KEYWORD, rest)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """``(KEYWORD, arguments)`` pairs, continuation lines joined, comments dropped."""
    result, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.partition(" ")
        result.append((keyword.upper(), rest.strip()))
        current = ""
    return result


def stages(path: Path = DOCKERFILE) -> dict[str, Stage]:
    """The named stages, in file order (every FROM here has ``AS <name>``)."""
    found: dict[str, Stage] = {}
    stage = None
    for keyword, rest in instructions(path.read_text()):
        if keyword == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)\s+AS\s+(\S+)", rest, re.IGNORECASE)
            assert match, f"FROM without a stage name: {rest}"
            stage = found[match.group(2)] = Stage(match.group(2), match.group(1))
        elif stage is not None:
            stage.instructions.append((keyword, rest))
    return found


def chain(name: str, all_stages: dict[str, Stage]) -> list[Stage]:
    """The stage and the stages it is built FROM, base first."""
    result = []
    while name in all_stages:
        result.insert(0, all_stages[name])
        name = all_stages[name].base
    return result


def effective(name: str, keyword: str, all_stages: dict[str, Stage]) -> str | None:
    """The last ``keyword`` instruction in force in target ``name`` (inherited too)."""
    values = [rest for stage in chain(name, all_stages) for rest in stage.all(keyword)]
    return values[-1] if values else None


def exec_form(rest: str) -> list[str]:
    """The JSON array of an exec-form CMD/ENTRYPOINT, or of a HEALTHCHECK's ``CMD [...]``
    (its options before ``CMD`` skipped)."""
    if not rest.startswith("["):
        rest = re.split(r"(?:^|\s)CMD\s+", rest, maxsplit=1)[-1]
    value = json.loads(rest)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), rest
    return value


def env(name: str, all_stages: dict[str, Stage]) -> dict[str, str]:
    """The ``ENV`` of target ``name`` (``key=value`` form, inherited too; ``$VAR`` kept)."""
    result: dict[str, str] = {}
    for stage in chain(name, all_stages):
        for rest in stage.all("ENV"):
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                result[key] = value
    return result
