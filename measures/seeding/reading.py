"""The fixture files: which there are, and reading them."""

from pathlib import Path

import yaml

FILES = (
    "regions", "sources", "countries", "pairs", "measures", "initiatives",
    "evidence", "assessments", "indicators",
)  # fmt: skip


class SeedError(Exception):
    """Bad seed data: the message names the file, the entry and the problem."""


def read_fixtures(directory):
    """{file name: list of entries} for every file of FILES in ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SeedError(f"{directory}: no such fixtures directory")
    return {name: read_file(directory / f"{name}.yaml") for name in FILES}


def read_file(path):
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(f"{path}: file missing") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SeedError(f"{path}: expected a list of mappings")
    return entries
