"""From verified facts to the rows of every table: normalization, row ids, typed frames."""
