"""schema.org `Occupation` JSON-LD for a role page: what search engines and job platforms read.

Built from the same tables as the page: the ISCO-08 and O*NET-SOC codes as occupationalCategory
(CategoryCode in its code set), the skills stated for the role as DefinedTerms whose ids are their
concepts in the SKOS taxonomy (their pages), the duties as responsibilities, every pay figure as a
MonetaryAmountDistribution (per country, in the stated currency, per year where annualized), and
the education and experience requirements the sources state. Relative ids resolve against the page,
like every link of the site.
"""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from .concepts import Catalogue
from .evidence import Evidence

CONTEXT = "https://schema.org"
CODE_SETS = (("isco08_code", "ISCO-08"), ("onet_soc_code", "O*NET-SOC 2019"))
# schema.org's requirement properties, each named for the requirement_type whose rows it lists.
REQUIREMENT_PROPERTIES = ("educationRequirements", "experienceRequirements")


def _rows(tables: dict[str, pa.Table], name: str, role: str) -> list[dict]:
    data = tables[name]
    return data.filter(pc.equal(data.column("role_id"), role)).to_pylist() if data.num_rows else []


def _salary(row: dict) -> dict:
    """A median as a MonetaryAmountDistribution (its median); any other figure (a mean, a range, a
    minimum, a starting pay) as a MonetaryAmount with its value or its bounds, since a distribution
    has no property for them. Annualized amounts where the pipeline annualized them, per year."""
    low, high, yearly = row["annual_min"], row["annual_max"], True
    if low is None and high is None:
        low, high, yearly = row["amount_min"], row["amount_max"], False
    name = ", ".join(str(x) for x in (row["country"], row["level_id"], row["population_en"], row["statistic"],
                                      row["provider"], row["reference_year"]) if x)
    if row["statistic"] == "median" and low is not None and low == high:
        out = {"@type": "MonetaryAmountDistribution", "name": name, "currency": row["currency"], "median": low}
        if yearly:
            out["duration"] = "P1Y"
        return out
    value = {"@type": "QuantitativeValue", "unitText": "YEAR" if yearly else row["period"].upper()}
    if low is not None and low == high:
        value["value"] = low
    else:
        if low is not None:
            value["minValue"] = low
        if high is not None:
            value["maxValue"] = high
    return {"@type": "MonetaryAmount", "name": name, "currency": row["currency"], "value": value}


def occupation(role: str, row: dict, tables: dict[str, pa.Table], catalogue: Catalogue, evidence: Evidence,
               root: str) -> dict:
    doc = {"@context": CONTEXT, "@type": "Occupation", "@id": f"{root}{catalogue.page('role', role)}",
           "name": row.get("label_en") or role}
    if row.get("definition_en"):
        doc["description"] = row["definition_en"]
    categories = [{"@type": "CategoryCode", "codeValue": row[column],
                   "inCodeSet": {"@type": "CategoryCodeSet", "name": name}}
                  for column, name in CODE_SETS if row.get(column)]
    if categories:
        doc["occupationalCategory"] = categories
    profile = sorted(evidence.role_profile(role), key=lambda r: (-r["origin_count"], -r["mention_count"], r["concept_id"]))
    skills = [r["concept_id"] for r in profile if r["concept_type"] == "skill"]
    if skills:
        doc["skills"] = [{"@type": "DefinedTerm", "@id": f"{root}{catalogue.page('skill', s)}",
                          "name": catalogue.label("skill", s), "termCode": s,
                          "inDefinedTermSet": f"{root}concepts/index.html#skill"} for s in skills]
    duties = [catalogue.label("duty", r["concept_id"]) for r in profile if r["concept_type"] == "duty"]
    if duties:
        doc["responsibilities"] = duties
    salaries = sorted(_rows(tables, "salaries", role), key=lambda r: r["salary_id"])
    if salaries:
        doc["estimatedSalary"] = [_salary(r) for r in salaries]
    for prop in REQUIREMENT_PROPERTIES:
        kind = prop.removesuffix("Requirements")
        said = sorted({r["text_en"] for r in _rows(tables, "requirements", role)
                       if r["requirement_type"] == kind and r["restates"] is None})
        if said:
            doc[prop] = said
    return doc


def script(doc: dict) -> str:
    """The document as a script element; `</` is escaped so no text can close the element early."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'
