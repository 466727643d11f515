"""⑧ The HTTP gateway (FastAPI): health, API routes, authentication, dashboard assets.

    app        create_app: mounts ``routes/`` (``ROUTERS``) under /api/v1 behind auth
    state      GatewayState: the typed objects routes may reach (hub, store, command bus)
    deps       the dependencies that read it (``Hub``, ``Cluster``, ``StoreDep``, ``Bus``)
    auth       the bearer token every /api/v1 route requires
    errors     the one exception handler: master errors -> HTTP status + the error body;
               ``LastResort`` turns anything else into a 500 that tells nothing
    bodies     the error body ``{"error": <code>, "message": …}`` and its OpenAPI model
    headers    security headers on every answer (CSP, nosniff, no-store, HSTS under TLS)
    limits     request body limits, before anything reads a body
    prefer     the ``Prefer: wait`` header
    responses  orjson responses

Adding a route: a module in ``routes/`` with a ``router``, one line in ``ROUTERS``; raise the
master's errors (``NotFound``, ``InvalidQuery``, …), never ``HTTPException``."""
