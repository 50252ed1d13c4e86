"""The HTTP API's request and response bodies, one module per resource; import from the owner."""
