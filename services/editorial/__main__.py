"""`python -m services.editorial`."""

from services.editorial.main import create_app
from shared.serve import serve

serve("editorial", create_app)
