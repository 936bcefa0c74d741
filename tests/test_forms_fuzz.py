"""Damaged forms: whatever is cut, doubled or garbled, the parser returns a record or a FormParseError."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from churnlab.app.scoring import score_cases
from churnlab.errors import FormParseError
from churnlab.io.forms import parse_text
from churnlab.models.persistence import load_model
from conftest import case_record

TEXTS = {prefix: case_record(prefix).read_text(encoding="utf-8") for prefix in ("000", "001")}
noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@st.composite
def damaged(draw):
    lines = TEXTS[draw(st.sampled_from(sorted(TEXTS)))].split("\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "double", "garble", "insert", "swap_cells"]))
        if action == "drop":
            del lines[i]
        elif action == "double":
            lines.insert(i, lines[i])
        elif action == "garble":
            j = draw(st.integers(0, max(len(lines[i]) - 1, 0)))
            lines[i] = lines[i][:j] + draw(noise) + lines[i][j + 1 :]
        elif action == "insert":
            lines.insert(i, draw(noise))
        else:
            cells = lines[i].split("\t")
            lines[i] = "\t".join(reversed(cells))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_forms_never_crash(text):
    try:
        parse_text(text, source="damaged.md")
    except FormParseError as exc:
        assert str(exc).startswith("damaged.md: ")


@pytest.mark.parametrize("prefix", sorted(TEXTS))
def test_every_prefix_of_a_form_parses_or_says_why(prefix):
    text = TEXTS[prefix]
    for end in range(0, len(text), max(len(text) // 150, 1)):
        try:
            parse_text(text[:end], source="cut.txt")
        except FormParseError:
            pass


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_whatever_parses_also_scores(text):
    try:
        case = parse_text(text, source="damaged.md")
    except FormParseError:
        return
    row = score_cases([case], bundled_model()).iloc[0]
    assert 0 <= row["dismissal_risk"] <= 1 and row["expected_gain"] >= 0


@functools.cache
def bundled_model():
    return load_model()
