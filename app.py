"""Entry point: ``flask`` finds ``app`` here when run from the repository root."""

from pipeline import create_app

app = create_app()
