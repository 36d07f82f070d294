from tests.volunteers.conftest import at

from fangyi.volunteers import services


def test_list_supports_limit(api_client, bearer, coordinator, make_volunteer):
    for _ in range(3):
        make_volunteer()
    response = api_client.get("/volunteers?limit=2", headers=bearer(coordinator))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["name"].endswith("*")


def test_public_verification(api_client, volunteer, assigned, coordinator):
    _user, vol = volunteer
    record = services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=vol.pk)
    response = api_client.get(f"/volunteers/certificates/{certificate.serial}")
    assert response.status_code == 200, response.json()
    assert response.json()["hours"] == "1.0"
