"""The baseline: a bare Flask "hello" app, served by gunicorn exactly like the LMS."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
