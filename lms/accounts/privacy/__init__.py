"""Privacy: a person's data export (`export`) and the retention rule for separated staff
(`retention`, documented in docs/retention.md). `inventory` says, for every model that points at
a person, where the export puts it or why it does not."""
