"""One module per command; each exposes ``async def run(ctx: Ctx) -> dict``."""
