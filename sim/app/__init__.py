"""The planners' web app: choices turned into a scenario, comparisons run in the background, the page.

``choices`` (pure: the levers, coverage before any simulation, scenario YAML in and out), ``jobs``
(a comparison in a background thread: progress, cancel, the result folder), ``texts`` (the page's
own words in French and English) and ``page`` (the Streamlit script; ``occisim app`` starts it).
"""
