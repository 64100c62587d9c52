"""`python -m services.console`."""

from services.console.main import create_app
from shared.serve import serve

serve("console", create_app)
