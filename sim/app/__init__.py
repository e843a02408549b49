"""The planners' web app: choices turned into a scenario, comparisons run in the background, the page.

``choices`` (pure: the levers, coverage before any simulation, scenario YAML in and out), ``jobs``
(a comparison in a background thread: progress, cancel, the result folder), ``texts`` (the page's
own words in French and English) and ``page`` (the Streamlit script; ``occisim app`` starts it).
"""

# The map's first view (Occitanie's catchment): the page draws it, the browser test clicks in it.
MAP_VIEW = {"latitude": 43.9, "longitude": 1.9, "zoom": 6.4}
