"""Field training: task books, ride-alongs, Daily Observation Reports and sign-offs.

`engine` holds the rules as plain functions over a `TaskBookSpec`, `content` turns a task book
page into that spec, `selectors` the pages' read models, `forms`, `views` and `urls` the pages,
`charts` the trends chart and `pdf` the paper backups. The writes are in
`courses.services.field` and `courses.services.signoff`; the records in `courses.models.field`.
"""
