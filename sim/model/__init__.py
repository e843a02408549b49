"""The SimPy model: the care pathway, beds, day hospital and home care; records of what happened.

The only place that draws random numbers; does no I/O. Imports ``sim.territory`` and ``sim.scenario``.
    engine       Model (the parts on one SimPy clock), arrivals, run, simulate
    pathway      the episode process, step by step
    ward         beds, admissions and discharges, other inpatients
    home_care    routing at referral, HAD slots
    bags         each cycle's bag schedule, its change weekdays, where each change happens
    day_hospital its sessions booked day by day: other patients, bag changes, visits
    calendar     weekdays and the bag schedule (pure functions)
    draws        seed streams and every random draw
    records      what is recorded, each record declared once
"""
