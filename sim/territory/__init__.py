"""The territory: communes, HAD zones and authorisation, travel to care, and binding a scenario to it.

Imports only ``sim.scenario``.
"""
