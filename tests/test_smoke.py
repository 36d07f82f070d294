from fangyi.regions.models import Region


def test_health(api_client):
    response = api_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_reference_divisions_are_loaded(db):
    assert Region.objects.filter(level="prefecture").count() == 14
    assert Region.objects.filter(level="village").count() == 29_479
