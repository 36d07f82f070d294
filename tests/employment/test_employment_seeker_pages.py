"""The seeker's pages: their profile, the jobs recommended for it, applying from a job's page and
withdrawing an application."""

import pytest
from tests.employment.conftest import COUNTY, ELECTRICIAN, FORKLIFT, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.employment.models import Application, JobPost, Seeker

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def profile(**fields) -> dict:
    values = {
        "region": COUNTY,
        "occupation": ELECTRICIAN,
        "skills": "低压电工证 叉车",
        "expected_salary": 5000,
        "available_from": "2026-01-01",
        "visible": "on",
    }
    values.update(fields)
    return values


@pytest.fixture
def seeker_client(client, seeker_login):
    client.force_login(seeker_login)
    return client


def test_a_resident_saves_their_profile(seeker_client, seeker_login):
    page = seeker_client.get("/employment/me/", **EN).content.decode()
    assert 'id="no-profile"' in page and 'id="seeker-form"' in page and ELECTRICIAN in page
    assert f'value="{VILLAGE}"' in page  # where they live, to start from
    assert "My applications" not in page

    refused = seeker_client.post("/employment/me/", profile(region="4301"), **EN)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="id_seeker_region_error"' in page and "低压电工证 叉车" in page
    refused = seeker_client.post("/employment/me/", profile(available_from="2099-01-01"), **EN)
    assert refused.status_code == 400 and 'id="id_seeker_available_from_error"' in refused.content.decode()
    refused = seeker_client.post("/employment/me/", profile(expected_salary=-1), **EN)
    assert refused.status_code == 400 and 'id="id_seeker_expected_salary_error"' in refused.content.decode()
    assert not Seeker.objects.exists()

    done = seeker_client.post("/employment/me/", profile(visible=""), **EN, follow=True)
    page = done.content.decode()
    assert "Your profile is saved." in page and 'id="no-profile"' not in page
    assert 'id="applications-empty"' in page and 'id="recommended-empty"' in page
    saved = Seeker.objects.get()
    assert (saved.region_id, saved.occupation_id, saved.skills, saved.visible) == (
        COUNTY,
        ELECTRICIAN,
        "低压电工证 叉车",
        False,
    )
    assert 'value="低压电工证 叉车"' in page  # the form shows the profile to change it


def test_a_login_not_linked_to_a_resident_is_told_so(client, make_user):
    client.force_login(make_user(Role.RESIDENT, COUNTY))
    refused = client.post("/employment/me/", profile(), **EN)
    assert refused.status_code == 409
    assert "not linked to a resident" in refused.content.decode()
    assert not Seeker.objects.exists()


def test_the_seeker_page_is_for_residents(client, boss, county_official):
    assert client.get("/employment/me/", **EN).status_code == 302
    for user in (boss, county_official):
        client.force_login(user)
        assert client.get("/employment/me/", **EN).status_code == 403
        assert client.post("/employment/me/", profile(), **EN).status_code == 403


def test_recommended_jobs_leave_out_those_applied_to(seeker_client, seeker, make_post):
    fits = make_post("招聘维修电工", requirements="低压电工证")
    applied = make_post("电工学徒")
    make_post("叉车司机", occupation=FORKLIFT, region="430202")
    seeker_client.post(f"/employment/jobs/{applied.pk}/apply/", **EN)
    page = seeker_client.get("/employment/me/", **EN).content.decode()
    recommended = page.split('id="recommended"')[1]
    assert f'data-job="{fits.pk}"' in recommended and f'data-job="{applied.pk}"' not in recommended
    assert "why this rank" in recommended
    assert f'data-application="{Application.objects.get().pk}"' in page and "电工学徒" in page


def test_a_seekers_search_counts_their_skills(client, seeker_login, seeker, make_post):
    make_post("招聘维修电工", requirements="低压电工证")
    public = client.get("/employment/", {"q": "电工"}, **EN).content.decode()
    assert 'data-component="skills"' not in public
    client.force_login(seeker_login)
    page = client.get("/employment/", {"q": "电工"}, **EN).content.decode()
    assert 'data-component="skills"' in page and "Skills: " in page


def test_applying_from_the_job_page(client, seeker_login, seeker, make_post):
    post = make_post("招聘维修电工")
    page = client.get(f"/employment/jobs/{post.pk}/", **EN).content.decode()
    assert 'id="sign-in-to-apply"' in page and f"/login/?next=/employment/jobs/{post.pk}/" in page
    assert client.post(f"/employment/jobs/{post.pk}/apply/", **EN).status_code == 302  # to sign in
    assert not Application.objects.exists()

    client.force_login(seeker_login)
    page = client.get(f"/employment/jobs/{post.pk}/", **EN).content.decode()
    assert 'data-action="apply"' in page and "sign-in-to-apply" not in page
    done = client.post(f"/employment/jobs/{post.pk}/apply/", **EN, follow=True)
    page = done.content.decode()
    assert "You have applied" in page and 'id="applied"' in page and 'data-action="apply"' not in page
    assert Application.objects.get().stage == "applied"
    again = client.post(f"/employment/jobs/{post.pk}/apply/", **EN, follow=True)
    assert "You have already applied to this post." in again.content.decode()
    assert Application.objects.count() == 1
    assert client.post("/employment/jobs/999999/apply/", **EN).status_code == 404


def test_applying_needs_a_profile_and_an_open_post(client, seeker_login, make_post):
    post = make_post("招聘维修电工")
    client.force_login(seeker_login)
    refused = client.post(f"/employment/jobs/{post.pk}/apply/", **EN, follow=True)
    assert "Fill in your job-seeker profile before applying." in refused.content.decode()
    client.post("/employment/me/", profile(), **EN)
    JobPost.objects.filter(pk=post.pk).update(status="closed")
    page = client.get(f"/employment/jobs/{post.pk}/", **EN).content.decode()
    assert "This job is closed." in page and 'data-action="apply"' not in page
    refused = client.post(f"/employment/jobs/{post.pk}/apply/", **EN, follow=True)
    assert "This job post is closed." in refused.content.decode()
    assert not Application.objects.exists()


def test_others_cannot_apply(client, boss, make_post):
    post = make_post("招聘维修电工")
    client.force_login(boss)
    page = client.get(f"/employment/jobs/{post.pk}/", **EN).content.decode()
    assert 'data-action="apply"' not in page and "sign-in-to-apply" not in page
    assert client.post(f"/employment/jobs/{post.pk}/apply/", **EN).status_code == 403


def test_withdrawing_an_application(client, seeker_login, application, make_seeker_login):
    client.force_login(seeker_login)
    page = client.get("/employment/me/", **EN).content.decode()
    assert 'data-action="withdraw"' in page
    done = client.post(f"/employment/applications/{application.pk}/withdraw/", **EN, follow=True)
    page = done.content.decode()
    assert "You have withdrawn the application." in page and 'data-action="withdraw"' not in page
    application.refresh_from_db()
    assert application.stage == "withdrawn"
    again = client.post(f"/employment/applications/{application.pk}/withdraw/", **EN, follow=True)
    assert "cannot move there" in again.content.decode()

    client.force_login(make_seeker_login("王芳"))
    assert client.post(f"/employment/applications/{application.pk}/withdraw/", **EN).status_code == 404
