"""The curator's inputs, in the order they are read: dataset, sources, reference lists, taxonomies, mappings, row counts."""
