"""Jobs: long work (planning studies, large allocations) run outside the request.

A job kind is registered in :mod:`app.jobs.registry` (plan, part, combine); everything a job
has done lives in the database and is claimed and recorded by :mod:`app.jobs.state`; a runner
calls the state's three phases: :class:`app.jobs.runner.InProcessRunner` on threads of the
service process (the default), :class:`app.jobs.celery.CeleryRunner` on ``corridor worker``
processes through a broker.
"""
