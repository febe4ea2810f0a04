"""The dataset as a whole (schemas/dataset.yaml): name, version, date, licence, contributors.

It is the one place the version is declared, and every published description (datapackage.json,
croissant.json, the data dictionary, the Parquet metadata) reads it, so it is checked as strictly
as any other input: each key at its line, with how to fix it.
"""
from __future__ import annotations

import datetime as dt
import re

from ..common import yamlfile
from ..common.files import read_input
from ..common.paths import Layout
from ..common.problems import Problems, StageFailed
from ..registry.values import text_problem

WHERE = "schemas/dataset.yaml"
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")
NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
URL = re.compile(r"https?://[^\s]+\Z")
ROLES = ("creator", "contributor", "maintainer", "publisher", "curator")
KEYS = {"name": True, "title": True, "version": True, "date_published": True, "description": True,
        "homepage": False, "licenses": True, "source_licence_note": True, "contributors": True,
        "responsible_ai": False}
# Croissant's responsible-AI properties (rai:<key>): those that take one text, and those that take a list.
RAI_TEXT = ("dataCollection", "dataCollectionRawData", "dataReleaseMaintenancePlan", "dataSocialImpact",
            "dataCollectionMissingData", "dataImputationProtocol", "dataManipulationProtocol", "annotationsPerItem")
RAI_LIST = ("dataCollectionType", "dataAnnotationProtocol", "dataAnnotationPlatform", "dataAnnotationAnalysis",
            "machineAnnotationTools", "annotatorDemographics", "dataBiases", "dataLimitations", "dataUseCases",
            "personalSensitiveInformation", "dataPreprocessingProtocol")


class _Check:
    def __init__(self, problems: Problems):
        self.problems, self.ok = problems, True

    def err(self, line: int, message: str) -> None:
        self.problems.add(WHERE, line, message)
        self.ok = False

    def text(self, value, line: int, key: str, limit: int = 2000, pattern: re.Pattern | None = None, example: str = "") -> None:
        problem = "must be text" if not isinstance(value, str) else text_problem(value, False, limit)
        if problem is None and pattern is not None and not pattern.match(value):
            problem = f"is not of the form {example}"
        if problem:
            self.err(line, f"{key} {value!r} {problem}")


def check_dataset(doc, problems: Problems) -> dict | None:
    c = _Check(problems)
    if not isinstance(doc, dict):
        c.err(yamlfile.line_of(doc), "schemas/dataset.yaml must be a mapping: name, title, version, date_published, ...")
        return None
    for key in doc:
        if key not in KEYS:
            c.err(yamlfile.line_of(doc, key), f"unknown key {key!r}; allowed: {', '.join(KEYS)}")
    for key, required in KEYS.items():
        if required and doc.get(key) is None:
            c.err(yamlfile.line_of(doc), f"missing {key!r}")
    if not c.ok:
        return None
    at = lambda key: yamlfile.line_of(doc, key)  # noqa: E731
    c.text(doc["name"], at("name"), "name", 100, NAME, "lower-case-words-with-hyphens")
    c.text(doc["title"], at("title"), "title", 300)
    c.text(doc["version"], at("version"), "version", 50, SEMVER, "MAJOR.MINOR.PATCH (SemVer), e.g. 1.1.0; quote it")
    c.text(doc["description"], at("description"), "description", 5000)
    c.text(doc["source_licence_note"], at("source_licence_note"), "source_licence_note", 5000)
    date = doc["date_published"]
    try:
        if not isinstance(date, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
            raise ValueError
        dt.date.fromisoformat(date)
    except ValueError:
        c.err(at("date_published"), f"date_published {date!r} is not a date that exists; write YYYY-MM-DD")
    if doc.get("homepage") is not None:
        c.text(doc["homepage"], at("homepage"), "homepage", 2000, URL, "https://...")
    rai = doc.get("responsible_ai")
    if rai is not None:
        if not isinstance(rai, dict):
            c.err(at("responsible_ai"), "responsible_ai must be a mapping of Croissant RAI properties to text")
        else:
            for key, value in rai.items():
                line = yamlfile.line_of(rai, key)
                if key not in RAI_TEXT + RAI_LIST:
                    c.err(line, f"unknown responsible_ai property {key!r}; allowed: {', '.join(RAI_TEXT + RAI_LIST)}")
                elif key in RAI_LIST:
                    if not isinstance(value, list) or not value:
                        c.err(line, f"{key} takes a list of texts ('- ...')")
                    else:
                        for i, item in enumerate(value):
                            c.text(item, yamlfile.item_line(value, i), key, 5000)
                else:
                    c.text(value, line, key, 5000)
    for key, parts in (("licenses", ("name", "title", "path")), ("contributors", ("title", "roles"))):
        items = doc[key]
        if not isinstance(items, list) or not items:
            c.err(at(key), f"{key} must be a list of entries with {', '.join(parts)}")
            continue
        for i, item in enumerate(items):
            line = yamlfile.item_line(items, i)
            if not isinstance(item, dict) or set(item) != set(parts):
                c.err(line, f"each of {key} has exactly the keys {', '.join(parts)}")
                continue
            for part in parts:
                if part == "roles":
                    roles = item["roles"]
                    if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
                        c.err(line, f"roles must be a list of: {', '.join(ROLES)}")
                else:
                    c.text(item[part], yamlfile.line_of(item, part), part, 500, URL if part == "path" else None, "https://...")
    return dict(doc) if c.ok else None


def load_dataset(layout: Layout, problems: Problems) -> dict | None:
    path = layout.schemas / "dataset.yaml"
    data = read_input(path, "registry", layout, problems)
    doc = yamlfile.parse_input(data, WHERE, "registry", problems,
                               "schemas/dataset.yaml is empty; it declares name, title, version, ...")
    if doc is None:
        return None
    return check_dataset(doc, problems)


def dataset_meta(layout: Layout | None = None) -> dict:
    """The dataset's metadata, or StageFailed with every problem of schemas/dataset.yaml."""
    problems = Problems()
    meta = load_dataset(layout or Layout.default(), problems)
    if meta is None:
        raise StageFailed(problems)
    return meta
