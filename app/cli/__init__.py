"""The ``corridor`` command line, one module per command group (the root is app.cli.main)."""
