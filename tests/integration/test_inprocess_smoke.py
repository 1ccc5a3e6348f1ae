from services.aggregator.app import create_service as aggregator
from services.reporter.app import create_service as reporter
from tests.inprocess import serving


async def test_two_services_live_in_one_process(settings):
    async with serving(reporter, settings) as r, serving(aggregator, settings) as a:
        assert (await r.http.get("/readyz")).status_code == 200
        assert (await a.http.get("/readyz")).status_code == 200
        answer = await r.http.get("/api/submissions/nope/nope/nope")
        assert answer.status_code == 404
