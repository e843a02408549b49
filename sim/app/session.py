"""What every part of the page shares: the loaded territory and the page's language (its words and
numbers). Streamlit's session state holds the language the planner picked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.app.texts import text
from sim.outputs.i18n import number
from sim.territory.catchment import Territory

AUTHORISED_KEY = "authorised_select"  # the multiselect's state: the one record of the chosen HADs


@st.cache_resource
def base_territory() -> Territory:
    return Territory.load()


def lang() -> str:
    return st.session_state.get("lang", "fr")


def t(key: str, **values: object) -> str:
    return text(lang(), key, **values)


def num(value: float, spec: str) -> str:
    """A number as the page's language writes it (French: 1 234,5 and 12,3 %)."""
    return number(value, spec, lang())


def numbers_styled(frame: pd.DataFrame, specs: dict[str, str]) -> pd.io.formats.style.Styler:
    """``frame`` shown with its numbers in the page's language (sorting still by the numbers)."""
    return frame.style.format({column: (lambda v, s=spec: num(v, s)) for column, spec in specs.items()})
