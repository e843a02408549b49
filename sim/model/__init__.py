"""The SimPy model: the care pathway, beds, day hospital and home care; records of what happened.

The only place that draws random numbers; does no I/O. Imports ``sim.territory`` and ``sim.scenario``.
    engine       Model (the parts on one SimPy clock), arrivals, run, simulate
    pathway      the episode process, step by step
    ward         beds, admissions and discharges, other inpatients
    home_care    routing (at the cycle-1 decision, re-choices, fallbacks), the wait for home care
    had_capacity what limits an HAD: pumps, nurse visits shared with its other patients
    emergencies  severe events at home: nearest capable hospital first, IUCT-O second
    bags         each cycle's bag schedule, its change weekdays, where each change happens
    day_hospital its sessions booked day by day: other patients, bag changes, visits
    calendar     weekdays, public holidays and the bag schedule (pure functions)
    draws        seed streams and every random draw
    records      what is recorded, each record declared once
"""
