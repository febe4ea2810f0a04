"""A row page names what each of its foreign keys points at.

Datasette 0.65 shows a foreign key on a table page as the label of the row it names (the label
column that metadata.json gives the referenced table), but on a row page as the bare id, with no
link. This one-file plugin, published with the release (datasette/plugins/) and loaded by
`datasette serve --plugins-dir`, renders such a cell as the table page does: the label, linked to
the row it names, then the id. It asks Datasette itself for both (the foreign keys declared in the
database, the label columns of the metadata), so it holds nothing of this dataset.
"""
from __future__ import annotations

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

# (server, database, table) -> {column: referenced table}; the database is served immutable (-i).
_REFERENCES: dict[tuple[int, str, str], dict[str, str]] = {}


async def _references(datasette, database: str, table: str) -> dict[str, str]:
    key = (id(datasette), database, table)
    if key not in _REFERENCES:
        keys = await datasette.get_database(database).foreign_keys_for_table(table)
        _REFERENCES[key] = {fk["column"]: fk["other_table"] for fk in keys}
    return _REFERENCES[key]


@hookimpl
def render_cell(value, column, table, database, datasette):
    # A table page has already expanded its keys (a dict); a query has no table.
    if table is None or value is None or isinstance(value, (dict, bytes)):
        return None

    async def labelled():
        other = (await _references(datasette, database, table)).get(column)
        if other is None:
            return None
        labels = await datasette.expand_foreign_keys(database, table, column, [value])
        label = labels.get((column, value))
        link = datasette.urls.row(database, other, tilde_encode(str(value)))
        if label is None or str(label) == str(value):
            return markupsafe.Markup('<a href="{}">{}</a>').format(link, value)
        return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(link, label, value)

    return labelled
