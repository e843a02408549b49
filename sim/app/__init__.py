"""The planners' web app: choices turned into a scenario, comparisons and searches in the background.

``choices`` (pure: the levers, demand by indication, coverage before any simulation, scenario YAML
in and out), ``jobs`` (background jobs: progress, cancel, a result folder; the comparison),
``search_job`` (``occisim choose``'s search as a background job), ``texts`` (the page's own words
in French and English), and the Streamlit side: ``page`` (the script ``occisim app`` starts),
``session`` (the language and numbers shared by the page's parts) and ``choose_view`` (the
"Which HADs next?" tab).
"""

# The map's first view (Occitanie's catchment): the page draws it, the browser test clicks in it.
MAP_VIEW = {"latitude": 43.9, "longitude": 1.9, "zoom": 6.4}
