"""Gunicorn settings the web server starts with (``gunicorn -c python:config.gunicorn``)."""


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    # Django is set up in the worker by now (the WSGI app is loaded).
    from apps.qa.warmup import warm_up_in_background

    warm_up_in_background()
