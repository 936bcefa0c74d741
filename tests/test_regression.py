"""Parsed records of the bundled sample stay what they were before the redesign.

The digest below was recorded from the records ``churnlab parse data/sample/forms``
printed before the package was split into subpackages (commit 942e6b1). Keys
added since (e.g. ``warnings``) are left out, so the test guards the meaning of
the existing keys, not the growth of the record.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import churnlab as cl

REPO = Path(__file__).resolve().parents[1]
CONTRACT_1_KEYS = (
    "action_note", "actions", "city", "cnpj", "collaborator", "contacts", "cpf", "cro", "cro_count",
    "cro_uf", "days_to_finish", "dentist_name", "dismissal_reasons", "finished_on", "general_note",
    "glosas", "included_on", "last_production", "last_production_value", "listed_cros", "lives",
    "operator", "other_plans", "other_plans_names", "person_type", "protocol_needed", "protocol_number",
    "protocol_opened_on", "requested_by", "responsible_sectors", "signatories", "source", "started_on",
    "status", "uf", "us_value",
)  # fmt: skip
SAMPLE_DIGEST = "dcfce563fe14d361b1d688f5e1f7bea5fd21686ee7909925b0f4dffb372b58cd"


def test_sample_records_are_unchanged():
    # the 400 case forms; the network's forms (net_*) came later, with the network files
    batch = cl.read_forms(sorted((REPO / "data" / "sample" / "forms").glob("case_*")))
    assert len(batch) == 400 and not batch.failures
    digest = hashlib.sha256()
    for case in batch:
        record = case.to_json_dict()
        digest.update(
            json.dumps({k: record[k] for k in CONTRACT_1_KEYS}, ensure_ascii=False, sort_keys=True).encode()
        )
    assert digest.hexdigest() == SAMPLE_DIGEST
