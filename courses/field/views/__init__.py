"""Field training pages: thin views over `courses.field.selectors` and
`courses.services.field`. Who may do what is decided in `courses.permissions`; `access` holds
the lookups every view starts with. `courses.field.urls` routes to the modules here."""
