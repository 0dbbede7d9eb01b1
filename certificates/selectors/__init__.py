"""Read models of the credential pages (STYLE.md §2): my credentials, one credential, the
verification queue, the compliance board, qualification gaps and the CE ledger.

Each selector runs a fixed number of queries whatever the number of credentials: it fetches the
rows once and applies the expiry engine (`certificates.expiry`) in Python.
"""

from .common import (
    STATUS_LABELS,
    Card,
    HolderActivity,
    Label,
    Part,
    card_for,
    ce_in_cycle,
    holder_activity,
    is_current,
    progress_parts,
    status_label,
)
from .compliance import (
    EXPIRING_BANDS,
    Board,
    BoardRow,
    Bucket,
    Gap,
    board_people,
    compliance_board,
    compliance_summary,
    gaps_for,
    qualification_gaps,
    required_types_by_role,
    verification_queue,
)
from .holder import (
    Cycle,
    Detail,
    Ledger,
    MyCredentials,
    ce_ledger,
    credential_detail,
    credential_for_page,
    current_for_calendar,
    my_credentials,
)

__all__ = [
    "EXPIRING_BANDS",
    "STATUS_LABELS",
    "Board",
    "BoardRow",
    "Bucket",
    "Card",
    "Cycle",
    "Detail",
    "Gap",
    "HolderActivity",
    "Label",
    "Ledger",
    "MyCredentials",
    "Part",
    "board_people",
    "card_for",
    "ce_in_cycle",
    "ce_ledger",
    "compliance_board",
    "compliance_summary",
    "credential_detail",
    "credential_for_page",
    "current_for_calendar",
    "gaps_for",
    "holder_activity",
    "is_current",
    "my_credentials",
    "progress_parts",
    "qualification_gaps",
    "required_types_by_role",
    "status_label",
    "verification_queue",
]
