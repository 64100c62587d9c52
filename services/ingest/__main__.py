"""`python -m services.ingest`."""

from services.ingest.main import create_app
from shared.serve import serve

serve("ingest", create_app)
