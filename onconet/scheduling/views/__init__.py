"""Pages of capacity scheduling, one module per purpose (the URLs name them from here). Reads go through the
selectors, writes through the services; a record outside the user's scope answers 404, an action the role may not
take 403. The charts are built in `onconet.scheduling.charts`.

- `overview`: machines by facility, utilisation of the next eight weeks, latest plans, waits by urgency
- `calendar`: a facility's machines by week or by day
- `courses`: the courses, adding one, the CSV import, cancelling one
- `downtime`: downtime blocks, recording one and the courses it displaces
- `plans`: running the planner, a plan against the bookings, approving or discarding it
- `offer`: the published capacity offer
- `foreign`: the office's prepaid referrals and sending them to planning, the foreign courses
- `simulation`: the capacity simulation and publishing its offer, the replay of a facility's history
- `params`: what the pages share (the list page size, a whole-number filter)
"""

from __future__ import annotations

from onconet.scheduling.views.calendar import calendar, day_list
from onconet.scheduling.views.courses import course_cancel, courses
from onconet.scheduling.views.downtime import downtime
from onconet.scheduling.views.foreign import foreign, referral_plan
from onconet.scheduling.views.offer import offer
from onconet.scheduling.views.overview import overview
from onconet.scheduling.views.plans import plan_approve, plan_detail, plan_discard, plan_job, plans
from onconet.scheduling.views.simulation import (
    replay,
    replay_job,
    simulation,
    simulation_job,
    simulation_publish,
)

__all__ = [
    "calendar",
    "course_cancel",
    "courses",
    "day_list",
    "downtime",
    "foreign",
    "offer",
    "overview",
    "plan_approve",
    "plan_detail",
    "plan_discard",
    "plan_job",
    "plans",
    "referral_plan",
    "replay",
    "replay_job",
    "simulation",
    "simulation_job",
    "simulation_publish",
]
