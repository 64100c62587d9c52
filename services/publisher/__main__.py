"""`python -m services.publisher`."""

from services.publisher.main import create_app
from shared.serve import serve

serve("publisher", create_app)
