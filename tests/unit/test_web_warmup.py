"""The web server is started with the gunicorn settings whose hook warms retrieval up."""


def test_the_web_server_starts_with_the_warm_up_hook(monkeypatch):
    import config.gunicorn
    from apps.qa import warmup
    from scripts.stack import Stack, start_web

    started = []
    monkeypatch.setattr(warmup, "warm_up_in_background", lambda: started.append(True))
    config.gunicorn.post_worker_init(worker=None)
    assert started == [True]

    argv: list[str] = []
    stack = Stack.for_profile("test")
    monkeypatch.setattr(stack, "_spawn", lambda name, args, *a, **k: argv.extend(args))
    monkeypatch.setattr(stack, "wait_for", lambda *a, **k: None)
    start_web(stack)
    assert argv[argv.index("-c") + 1] == "python:config.gunicorn"
