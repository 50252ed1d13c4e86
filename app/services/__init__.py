"""What the service does for a request or a job: transactions and orchestration over the domain.

Routes (``app/api``) parse and answer; the modules here run the work, read and write the
database through ``app/db`` and raise :class:`app.errors.ServiceError`; they never answer HTTP.
"""
