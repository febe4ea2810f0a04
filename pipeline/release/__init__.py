"""Writing the release: every file rendered in memory, written to staging, swapped in at once; freezing versions and comparing them."""
