"""⑧ The HTTP gateway (FastAPI): health, API routes, authentication, dashboard assets."""
