"""`python -m services.notifier`."""

from services.notifier.main import create_app
from shared.serve import serve

serve("notifier", create_app)
