"""``python -m app.cli``: the ``corridor`` command."""

from app.cli.main import main

main()
