"""The demo catalog (`catalog.json`): research data copied from the shared domain catalog
(roles with O*NET-SOC codes, credentials, modules, field-training programs, pathways, with their
provenance and source references) plus the fictional city, organisations and names of the demo.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).with_name("catalog.json")


@cache
def load_catalog() -> dict[str, Any]:
    """The demo catalog (`lms/demo/catalog.json`), parsed once per process."""
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class OrganisationSpec:
    slug: str
    name: str
    kind: str
    code: str
    email_domain: str
    contract_reference: str
    data_sharing: str
    headcount_share: int
    staff_roles: dict[str, int]
    supervisor_role: str | None
    description: str


def organisation_specs(catalog: Mapping[str, Any]) -> list[OrganisationSpec]:
    fields = OrganisationSpec.__dataclass_fields__
    return [
        OrganisationSpec(**{key: value for key, value in row.items() if key in fields})
        for row in catalog["organisations"]
    ]
