"""A minimal Flask app: the baseline the article page is measured against."""

from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello, world</h1><p>The benchmark's baseline page.</p></body>
</html>
"""


@app.get("/")
def hello():
    return PAGE
