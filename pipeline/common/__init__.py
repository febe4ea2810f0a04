"""What every stage uses: where files are, how problems are reported, how an input file is read."""
