"""The pipeline that turns verbatim job-description texts and their hand-written mappings into
validated, published tables. Stages, in the order data flows:

    load_sources -> verify_mappings -> normalize -> validate -> gate -> publish

`python -m pipeline check` runs the fast stages (everything but the Great Expectations gate and
publishing); `python -m pipeline build` runs them all.
"""
