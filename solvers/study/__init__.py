"""Planning studies: where a year's demand goes on a network, what it costs, what fills up.

Read in this order: :mod:`~solvers.study.network` (the timetable as a static network of rides
for the study year), :mod:`~solvers.study.assign` (all-or-nothing and the capacitated
assignment, the value of time fitted to the base year), :mod:`~solvers.study.flow` (the
capacitated multi-commodity min-cost flow), :mod:`~solvers.study.indicators` (the outcome
planners compare), :mod:`~solvers.study.calibration` (the base year's published volumes) and
:mod:`~solvers.study.compare` (two outcomes side by side).
"""
