"""The employer's area: registering the business, posting and closing jobs, each post's pipeline
(masked names until shortlisted, health only as whether one can travel) and the hires table."""

import pytest
from tests.employment.conftest import COUNTY, ELECTRICIAN, OTHER_CITY, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.employment import services
from fangyi.employment.models import Employer, JobPost, Seeker
from fangyi.healthpass.models import ColourState

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def boss_client(client, boss):
    client.force_login(boss)
    return client


def job_form(employer: Employer, **fields) -> dict:
    values = {
        "employer_id": employer.pk,
        "title": "招聘维修电工",
        "occupation": ELECTRICIAN,
        "region": "",
        "salary_min": 4000,
        "salary_max": 6500,
        "headcount": 3,
        "shifts": "两班倒",
        "transport_offered": "on",
        "closing_date": in_days(20).isoformat(),
        "requirements": "持低压电工证",
    }
    values.update(fields)
    return values


def test_an_employer_login_without_a_business_registers_it(client, make_user):
    user = make_user(Role.EMPLOYER, COUNTY)
    client.force_login(user)
    page = client.get("/employment/employer/", **EN).content.decode()
    assert "Your login has no business registered yet" in page and 'id="employer-form"' in page
    assert 'value="430102"' in page  # its own county offered

    refused = client.post("/employment/employer/", {"name": "", "region": "43"}, **EN)
    assert refused.status_code == 400
    assert 'id="id_employer_name_error"' in refused.content.decode()
    refused = client.post("/employment/employer/", {"name": "湘江物流", "region": "4301"}, **EN)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Name a county, township or village by its region code." in page and "湘江物流" in page
    refused = client.post(
        "/employment/employer/", {"name": "湘江物流", "region": COUNTY, "credit_code": "123"}, **EN
    )
    assert refused.status_code == 400 and 'id="id_employer_credit_code_error"' in refused.content.decode()
    assert not Employer.objects.exists()

    done = client.post("/employment/employer/", {"name": "湘江物流", "region": COUNTY}, **EN, follow=True)
    page = done.content.decode()
    assert "Your business is registered" in page and "You have not posted a job yet." in page
    assert list(Employer.objects.get().accounts.all()) == [user]


def test_the_employer_area_lists_its_own_posts_only(boss_client, make_post, employer, county_official):
    other = Employer.objects.create(name="别家公司", region_id=COUNTY)
    mine = make_post("招聘叉车司机")
    closed = make_post("已招满的岗位")
    services.job_post_close(actor=county_official, job_id=closed.pk)
    make_post("别家的岗位", employer_id=other.pk)
    page = boss_client.get("/employment/employer/", **EN).content.decode()
    assert page.index("招聘叉车司机") < page.index("已招满的岗位")  # open posts first
    assert "湘华制造有限公司" in page and "招聘叉车司机" in page and "别家的岗位" not in page
    assert f'href="/employment/employer/jobs/{mine.pk}/"' in page and "0 applicants" in page
    partial = boss_client.get("/employment/employer/", HTTP_HX_REQUEST="true", **EN).content.decode()
    assert partial.lstrip().startswith('<div id="posts">')


def test_the_employer_area_is_refused_to_others(client, make_user, county_official):
    assert client.get("/employment/employer/", **EN).status_code == 302  # to sign in
    client.force_login(make_user(Role.RESIDENT, COUNTY))
    assert client.get("/employment/employer/", **EN).status_code == 403
    for user in (make_user(Role.RESIDENT, COUNTY), county_official):
        client.force_login(user)
        assert client.get("/employment/employer/jobs/new/", **EN).status_code == 403
        assert (
            client.post("/employment/employer/", {"name": "湘江物流", "region": COUNTY}, **EN).status_code
            == 403
        )
    assert not Employer.objects.exists()


def test_officials_read_the_posts_of_their_area(client, make_user, make_post, county_official):
    post = make_post("招聘维修电工")
    client.force_login(county_official)
    page = client.get("/employment/employer/", **EN).content.decode()
    assert "Job posts in your area" in page and "湘华制造有限公司 · " in page
    assert f'href="/employment/employer/jobs/{post.pk}/"' in page and 'data-action="close"' in page
    assert 'id="post-a-job"' not in page and "employer-form" not in page
    client.force_login(make_user(Role.TOWNSHIP_OFFICIAL, f"{COUNTY}001"))
    page = client.get("/employment/employer/", **EN).content.decode()
    assert "No employer in your area has posted a job yet." in page
    client.force_login(make_user(Role.COUNTY_OFFICIAL, OTHER_CITY))
    assert "招聘维修电工" not in client.get("/employment/employer/", **EN).content.decode()


def test_posting_a_job(boss_client, employer):
    form = boss_client.get("/employment/employer/jobs/new/", **EN).content.decode()
    assert ELECTRICIAN in form and "湘华制造有限公司" in form and 'type="date"' in form

    refused = boss_client.post("/employment/employer/jobs/new/", job_form(employer, salary_max=100), **EN)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="id_salary_max_error"' in page and "招聘维修电工" in page
    refused = boss_client.post(
        "/employment/employer/jobs/new/", job_form(employer, closing_date=in_days(-1).isoformat()), **EN
    )
    assert refused.status_code == 400 and "The closing date has passed." in refused.content.decode()
    refused = boss_client.post(
        "/employment/employer/jobs/new/", job_form(employer, region=OTHER_CITY[:4]), **EN
    )
    assert refused.status_code == 400 and 'id="id_region_error"' in refused.content.decode()
    assert (
        boss_client.post(
            "/employment/employer/jobs/new/", job_form(employer, employer_id=999999), **EN
        ).status_code
        == 400
    )
    assert not JobPost.objects.exists()

    done = boss_client.post("/employment/employer/jobs/new/", job_form(employer), **EN, follow=True)
    post = JobPost.objects.get()
    assert done.redirect_chain[-1][0] == f"/employment/employer/jobs/{post.pk}/"
    assert "The job is posted" in done.content.decode()
    assert (post.title, post.headcount, post.transport_offered, post.region_id) == (
        "招聘维修电工",
        3,
        True,
        COUNTY,
    )


def test_an_employer_login_without_a_business_is_sent_to_register_before_posting(client, make_user):
    client.force_login(make_user(Role.EMPLOYER, COUNTY))
    response = client.get("/employment/employer/jobs/new/", **EN)
    assert response.status_code == 302 and response.url == "/employment/employer/"


def test_closing_a_post(boss_client, make_post, make_user, employer):
    post = make_post("招聘电工")
    done = boss_client.post(f"/employment/employer/jobs/{post.pk}/close/", **EN, follow=True)
    assert "The job is closed" in done.content.decode()
    post.refresh_from_db()
    assert post.status == "closed"
    again = boss_client.post(f"/employment/employer/jobs/{post.pk}/close/", **EN, follow=True)
    assert "This job post is already closed." in again.content.decode()

    other = make_post("另一个岗位")
    stranger = make_user(Role.EMPLOYER, COUNTY)
    boss_client.force_login(stranger)
    assert boss_client.post(f"/employment/employer/jobs/{other.pk}/close/", **EN).status_code == 404
    assert boss_client.post("/employment/employer/jobs/999999/close/", **EN).status_code == 404


def green(person) -> None:
    ColourState.objects.create(
        person=person, subject=f"s-{person.pk.hex[:16]}", colour="green", reason_code="t", rule_version="t"
    )


def test_the_pipeline_masks_names_until_shortlisted_and_shows_only_travel(
    boss_client, application, seeker, make_seeker_login
):
    post = application.post
    page = boss_client.get(f"/employment/employer/jobs/{post.pk}/", **EN).content.decode()
    card = page.split(f'data-application="{application.pk}"')[1].split("</li>")[0]
    assert "李**" in card and "李建国" not in page and "Can travel" in card
    assert "green" not in card and seeker.person.id_number_masked not in page
    assert 'data-stage="applied"' in page and 'data-action="move-shortlisted"' in card

    green(seeker.person)
    done = boss_client.post(
        f"/employment/applications/{application.pk}/move/",
        {"stage": "shortlisted", "next": f"/employment/employer/jobs/{post.pk}/"},
        **EN,
        follow=True,
    )
    page = done.content.decode()
    assert done.redirect_chain[-1][0] == f"/employment/employer/jobs/{post.pk}/"
    assert "The application is now at “Shortlisted”." in page
    card = page.split(f'data-application="{application.pk}"')[1].split("</li>")[0]
    assert "李建国" in card and "Can travel" in card and 'data-action="move-interview"' in card


def test_refused_moves_show_as_messages(boss_client, application):
    refused = boss_client.post(
        f"/employment/applications/{application.pk}/move/", {"stage": "hired"}, **EN, follow=True
    )
    assert "cannot move there" in refused.content.decode()
    refused = boss_client.post(
        f"/employment/applications/{application.pk}/move/", {"stage": "sacked"}, **EN, follow=True
    )
    assert "Choose a stage of the pipeline." in refused.content.decode()
    application.refresh_from_db()
    assert application.stage == "applied"
    assert (
        boss_client.post("/employment/applications/999999/move/", {"stage": "shortlisted"}, **EN).status_code
        == 404
    )


def test_hiring_beyond_the_headcount_is_refused(boss_client, seeker, make_post, make_seeker_login):
    post = make_post("招聘电工", headcount=1)
    others = [make_seeker_login(name) for name in ("王芳", "赵强")]
    applications = []
    for login in others:
        services.seeker_save(actor=login, region=COUNTY, available_from=in_days(0))
        applications.append(services.job_apply(actor=login, job_id=post.pk))
    for application in applications:
        for stage in ("shortlisted", "interview", "offered"):
            boss_client.post(f"/employment/applications/{application.pk}/move/", {"stage": stage}, **EN)
    boss_client.post(f"/employment/applications/{applications[0].pk}/move/", {"stage": "hired"}, **EN)
    refused = boss_client.post(
        f"/employment/applications/{applications[1].pk}/move/", {"stage": "hired"}, **EN, follow=True
    )
    assert "All 1 people this post wants are hired." in refused.content.decode()
    page = boss_client.get(f"/employment/employer/jobs/{post.pk}/", **EN).content.decode()
    hired = page.split('data-stage="hired"')[1].split("</section>")[0]
    assert f'data-application="{applications[0].pk}"' in hired and "王芳" in hired


def test_the_pipeline_recommends_visible_seekers(boss_client, seeker, make_post):
    post = make_post("招聘维修电工", requirements="低压电工证")
    page = boss_client.get(f"/employment/employer/jobs/{post.pk}/", **EN).content.decode()
    assert 'id="applicants-empty"' in page
    recommended = page.split('id="recommended-seekers"')[1]
    assert f'data-seeker="{seeker.pk}"' in recommended and "李**" in recommended and "李建国" not in page
    assert "Can travel" in recommended and "why this rank" in recommended
    Seeker.objects.update(visible=False)
    page = boss_client.get(f"/employment/employer/jobs/{post.pk}/", **EN).content.decode()
    assert "No visible seeker fits this post yet." in page


def test_the_pipeline_is_for_the_employer_and_the_officials_over_it(
    client, application, make_user, county_official, seeker_login
):
    url = f"/employment/employer/jobs/{application.post_id}/"
    assert client.get(url, **EN).status_code == 302
    client.force_login(county_official)
    page = client.get(url, **EN).content.decode()
    assert 'data-action="move-shortlisted"' in page and 'data-action="close"' in page
    client.force_login(make_user(Role.TOWNSHIP_OFFICIAL, f"{COUNTY}001"))
    assert client.get(url, **EN).status_code == 404  # the employer is above the township
    client.force_login(make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY))
    assert client.get(url, **EN).status_code == 404
    client.force_login(make_user(Role.EMPLOYER, COUNTY))
    assert client.get(url, **EN).status_code == 404
    assert (
        client.post(
            f"/employment/applications/{application.pk}/move/", {"stage": "shortlisted"}, **EN
        ).status_code
        == 404
    )
    client.force_login(seeker_login)
    assert client.get(url, **EN).status_code == 403
    assert (
        client.post(
            f"/employment/applications/{application.pk}/move/", {"stage": "shortlisted"}, **EN
        ).status_code
        == 403
    )


def test_officials_who_only_read_see_the_board_without_buttons(
    client, make_user, make_post, seeker, seeker_login
):
    township = f"{COUNTY}001"
    local = Employer.objects.create(name="识字里便利店", region_id=township)
    post = make_post("店员", employer_id=local.pk)
    services.job_apply(actor=seeker_login, job_id=post.pk)
    client.force_login(make_user(Role.TOWNSHIP_OFFICIAL, township))
    page = client.get(f"/employment/employer/jobs/{post.pk}/", **EN).content.decode()
    assert "李**" in page and 'data-action="move-' not in page and 'data-action="close"' not in page


def hire(actor, application) -> None:
    for stage in ("shortlisted", "interview", "offered", "hired"):
        services.application_move(actor=actor, application_id=application.pk, stage=stage)


def test_the_hires_table(client, boss, application, county_official, make_user, seeker_login):
    client.force_login(boss)
    page = client.get("/employment/hires/", **EN).content.decode()
    assert 'id="hires-empty"' in page and 'name="region"' not in page
    hire(boss, application)
    page = client.get("/employment/hires/", **EN).content.decode()
    row = page.split(f'data-employer="{application.post.employer_id}"')[1].split("</tr>")[0]
    assert "湘华制造有限公司" in row and ">1<" in row and "1 hire" in page
    partial = client.get(
        "/employment/hires/", {"since": in_days(-3), "until": in_days(0)}, HTTP_HX_REQUEST="true", **EN
    )
    assert partial.content.decode().lstrip().startswith('<div id="hires">')

    refused = client.get("/employment/hires/", {"since": in_days(0), "until": in_days(-1)}, **EN)
    assert refused.status_code == 400 and "The period ends before it starts." in refused.content.decode()

    client.force_login(county_official)
    page = client.get("/employment/hires/", **EN).content.decode()
    assert 'name="region"' in page and "湘华制造有限公司" in page
    client.force_login(make_user(Role.COUNTY_OFFICIAL, OTHER_CITY))
    assert 'id="hires-empty"' in client.get("/employment/hires/", **EN).content.decode()
    other_boss = make_user(Role.EMPLOYER, COUNTY)
    client.force_login(other_boss)
    assert 'id="hires-empty"' in client.get("/employment/hires/", **EN).content.decode()
    client.force_login(seeker_login)
    assert client.get("/employment/hires/", **EN).status_code == 403
