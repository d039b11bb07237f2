"""Entry point: `flask --app app ...` and `gunicorn app:app` find `app` here."""
from lms import create_app

app = create_app()
