"""Capacity simulation: how many foreign courses a month machine kind K can take while domestic waits stay put.

A discrete-event model (SimPy; one time unit is one calendar day) of `weeks` weeks of the machines of one kind,
with the real calendar (weekday minutes, downtime, holidays) and the scheduler of `onconet.scheduling.solver`
in the loop:

- **Domestic arrivals**: per protocol and urgency a Poisson process (weekly rate, estimated from the booked
  history with `estimate_rates` or entered). A course becomes known on arrival and is ready `lead_days` later.
- **Foreign requests**: a Poisson process with the tested level (requests per month) spread over the partners by
  their `weight`; each request draws a protocol from the partner's mix and may start from `lead_days` after
  arrival until `latest_start_days` after that. Nothing is enforced here: the scheduler applies quotas and the
  domestic reserve.
- **Planning**, on the first day and every Monday: an instance of the contract (`docs/contracts/scheduling.md`)
  over `horizon_weeks` from that day. Domestic courses already started are `fixed` (with the fractions
  delivered); waiting domestic courses and pending foreign requests are free. Foreign courses already under way
  are *not* courses of the instance: their remaining minutes are machine downtime, because the contract compares
  against the plan with every foreign course removed and they must keep their place in it. Courses the plan starts
  before the next planning day are started there and then (they become fixed); a foreign request the plan
  rejects is lost, and so is one whose latest start has passed. With `protection` > 0 the instance carries the
  contract's forecast — the domestic streams' rates — so foreign requests are admitted by the same policy as the
  database planner's (which estimates the rates from the booked history): only into capacity that domestic
  patients not yet known will not need. The offer published from the result is then what planning admits.
- **Every day** (at noon) the courses due start, waits are recorded and expired requests are dropped.

Partner quotas: the contract counts a partner's courses per calendar month among the courses *of the instance*,
and foreign courses under way are not in it, so each planning run gives every partner the quota it has left in the
current month (for every month of the horizon: conservative for later months, where nothing is started yet). A
request rejected while its partner's quota was so reduced stays pending if it could still start in a later month.
The domestic reserve is likewise computed on the capacity left by foreign courses under way (slightly stricter
than the contract's, never looser).

Common random numbers: the domestic arrivals of replication r come from their own stream, seeded from
`(seed, r, "domestic")`, and are the same at every level; foreign requests use `(seed, r, level, "foreign")`. The
comparison against level 0 is therefore paired, replication by replication.

The answer (`SimulationResult.recommended_level`) is the largest tested level L such that, for L and every smaller
level, the 95 % confidence interval of the paired difference in domestic p95 wait (level − level 0) has an upper
bound ≤ `tolerance_days` (step-down: a level is not recommended past a smaller one that fails), and at which some
foreign course was started — 0 when none qualifies (e.g. a saturated machine, where domestic-first planning leaves
foreign requests no room at any level). The recommended offer is the number of foreign courses actually started
per month at that level, overall and per calendar month of the simulated period (after the warm-up).

Nothing here imports Django: the Celery job, models and pages call `simulate` and store `SimulationResult.to_dict()`.

One module per part: `config` (what is asked), `model` (the SimPy model), `experiment` (levels, replications,
the recommendation), `results` (what is answered) and `statistics`.
"""

from __future__ import annotations

from onconet.scheduling.simulation.config import DomesticStream, ForeignPartner, ForeignProtocol, SimulationConfig
from onconet.scheduling.simulation.experiment import simulate
from onconet.scheduling.simulation.model import _Model, _Setup, domestic_arrivals, foreign_arrivals, run_replication
from onconet.scheduling.simulation.results import (
    LevelResult,
    MonthOffer,
    ReplicationResult,
    SimulationResult,
    UrgencyWaits,
)
from onconet.scheduling.simulation.statistics import Estimate, estimate_rates, mean_ci, percentile, t_quantile

__all__ = [
    "DomesticStream",
    "Estimate",
    "ForeignPartner",
    "ForeignProtocol",
    "LevelResult",
    "MonthOffer",
    "ReplicationResult",
    "SimulationConfig",
    "SimulationResult",
    "UrgencyWaits",
    "_Model",
    "_Setup",
    "domestic_arrivals",
    "estimate_rates",
    "foreign_arrivals",
    "mean_ci",
    "percentile",
    "run_replication",
    "simulate",
    "t_quantile",
]
