"""Crosswalks (raw/taxonomy/crosswalks.yaml): every link from one of our concepts to a concept of
an external scheme, typed with a SKOS match, or a row saying the scheme has no equivalent.

Each row was already checked like any taxonomy entry (its values, its rules); what needs the other
taxonomies and the published code lists is checked here, at the row's line: that its concept is
ours, that its target is a row of the scheme's list in raw/reference/ and carries that row's label,
that a concept has at most one exact match per scheme and no equivalent only where it has no match,
that every concept is linked or said to have no equivalent in each scheme that covers its kind,
and that the link columns of the taxonomies (esco_uri, isco08_code, onet_soc_code) hold the best
match of their scheme, so the two never disagree.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..common.problems import Problems
from .reference import SCHEMES, iri_of, label_of

if TYPE_CHECKING:
    from .taxonomy import Entry

TABLE = "crosswalks"
# The schemes that cover each kind of concept: a concept of that kind has a row for each.
COVERING = {"role": ("esco_occupation", "isco08", "onet_soc"), "duty": ("esco_skill",), "skill": ("esco_skill",),
            "tool": ("esco_skill",), "metric": ("esco_skill",)}
# A taxonomy's link column -> the scheme it names and the match types it may hold (the best first).
LINK_COLUMNS = {
    ("roles", "esco_uri"): ("esco_occupation", ("exact", "close")),
    ("skills", "esco_uri"): ("esco_skill", ("exact", "close")),
    ("roles", "isco08_code"): ("isco08", ("exact", "close", "broad", "narrow")),
    ("roles", "onet_soc_code"): ("onet_soc", ("exact", "close", "broad", "narrow")),
}


def _taxonomy_of(kind: str, taxonomies: dict[str, dict[str, Entry]]) -> tuple[str, dict[str, Entry]] | None:
    for name, entries in taxonomies.items():
        if entries and f"{kind}_id" in next(iter(entries.values())).values:
            return name, entries
    return None


def check_crosswalks(taxonomies: dict[str, dict[str, Entry]], code_lists: dict[str, dict[str, dict]],
                     problems: Problems) -> None:
    rows = taxonomies.get(TABLE)
    if rows is None:
        return
    by_subject: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in rows.values():
        v = entry.values
        kind, ident, scheme, code = v["subject_type"], v["subject_id"], v["target_scheme"], v["target_code"]
        v["target_version"] = SCHEMES[scheme].version
        v["target_iri"] = None
        if kind not in COVERING:
            problems.add(entry.file, entry.line, f"subject_type {kind!r} is not one of: {', '.join(COVERING)}; "
                         "a crosswalk links a role, duty, skill, tool or metric")
            continue
        found = _taxonomy_of(kind, taxonomies)
        if found is None or ident not in found[1]:
            where = f"raw/taxonomy/{found[0]}.yaml" if found else "its taxonomy"
            problems.add(entry.file, entry.line, f"subject {kind} {ident!r} is not a concept of {where}; "
                         "link a concept that exists")
            continue
        if scheme not in COVERING[kind]:
            problems.add(entry.file, entry.line, f"a {kind} is linked to {', '.join(COVERING[kind])}, not {scheme}")
            continue
        by_subject.setdefault((kind, ident, scheme), []).append(entry)
        if code is None:
            continue
        listed = code_lists.get(scheme, {}).get(code)
        if listed is None:
            problems.add(entry.file, entry.line, f"target_code {code} is not in raw/reference/{SCHEMES[scheme].file}; "
                         f"copy its row there unchanged from the published list in shared/reference/ (a code that is "
                         "not in a published list is never written down)")
            continue
        v["target_iri"] = iri_of(scheme, listed)
        label = label_of(scheme, listed)
        given = v["target_label"]
        if label is not None and given != label:
            problems.add(entry.file, entry.line, f"target_label {given!r} is not the label its list gives {code}: "
                         f"{label!r}; copy it")
        elif label is None and not (listed["description"] == given or listed["description"].startswith(given + " ")):
            problems.add(entry.file, entry.line, f"target_label {given!r} is not the preferred label of {code}, the first "
                         f"words of its row: {listed['description'][:80]!r}; copy them")
    for (kind, ident, scheme), entries in by_subject.items():
        exact = [e for e in entries if e.values["match_type"] == "exact"]
        none = [e for e in entries if e.values["target_code"] is None]
        if len(exact) > 1:
            problems.add(exact[1].file, exact[1].line, f"{kind} {ident!r} has a second exact match in {scheme} (the first "
                         f"at line {exact[0].line}); two different targets cannot both be interchangeable with it: make "
                         "one close")
        if none and len(entries) > 1:
            problems.add(none[0].file, none[0].line, f"{kind} {ident!r} is said to have no equivalent in {scheme}, but "
                         "other rows link it there; keep the links or the no-equivalent row")
    for kind, schemes in COVERING.items():
        found = _taxonomy_of(kind, taxonomies)
        if found is None:
            continue
        for ident, entry in found[1].items():
            for scheme in schemes:
                if (kind, ident, scheme) not in by_subject:
                    problems.add(entry.file, entry.line, f"{kind} {ident!r} has no row in raw/taxonomy/crosswalks.yaml "
                                 f"for {scheme}; add its match, or a row without a target saying why there is none")
    for (table, column), (scheme, types) in LINK_COLUMNS.items():
        for ident, entry in taxonomies.get(table, {}).items():
            kind = next(k for k in COVERING if f"{k}_id" in entry.values)
            links = {e.values["target_code"]: e.values["match_type"] for e in by_subject.get((kind, ident, scheme), ())}
            best = next((code for t in types for code, m in sorted(links.items(), key=str) if m == t), None)
            value = entry.values.get(column)
            if value != best:
                problems.add(entry.file, entry.line, f"{column} is {value!r}, but the crosswalk's best {scheme} match "
                             f"({' or '.join(types)}) is {best!r}; the two must agree: fix {column} or the crosswalk row")
