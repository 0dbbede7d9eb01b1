"""The program reports' read models, one module per report, set-based (a constant number of
queries whatever the data size). `common` holds the reach, the filters and the shared SQL."""
