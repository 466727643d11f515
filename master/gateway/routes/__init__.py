"""⑧ Route groups, one module per resource; ``ROUTERS`` lists what ``create_app`` mounts under
``/api/v1`` behind authentication."""
