import datetime as dt

import pytest
from tests.employment.conftest import CARER, COUNTY, ELECTRICIAN, FORKLIFT, OTHER_CITY, OTHER_COUNTY

from fangyi.core import clock
from fangyi.employment import search, selectors
from fangyi.employment.errors import EmploymentError
from fangyi.employment.models import JobPost


def titles(**query) -> list[str]:
    return [post.title for post in selectors.job_search(**query)]


def test_search_mode_segmentation_finds_the_words_inside_longer_ones():
    assert search.words("维修电工") == ["维修", "电工", "维修电工"]
    assert search.words("叉车司机") == ["叉车", "司机"]
    assert search.words("普工/装配工，包吃住！") == ["普工", "装配", "装配工", "包吃", "住"]
    assert search.document("维修电工", "", "长沙市") == "维修 电工 维修电工 长沙 沙市 长沙市"


def test_a_query_is_a_phrase_not_a_bag_of_words(make_post):
    make_post("招聘叉车司机", occupation=FORKLIFT)
    make_post("仓库叉车工", occupation=FORKLIFT, requirements="会开叉车；做过货车司机优先")
    assert titles(q="叉车司机") == ["招聘叉车司机"]
    assert sorted(titles(q="叉车")) == ["仓库叉车工", "招聘叉车司机"]
    assert sorted(titles(q="司机")) == ["仓库叉车工", "招聘叉车司机"]


def test_words_inside_longer_words_and_place_names_are_found(make_post):
    make_post("维修电工")
    make_post("医院护工", occupation=CARER, region=OTHER_CITY)
    assert titles(q="电工") == ["维修电工"]
    assert titles(q="护工") == ["医院护工"]
    assert titles(q="长沙") == ["维修电工"]
    assert titles(q="荷塘区") == ["医院护工"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ('叉车" OR 1', []),
        ("*", ["仓库叉车工", "招聘叉车司机"]),
        ("叉车*", ["仓库叉车工", "招聘叉车司机"]),
        ("NEAR(", ["仓库叉车工", "招聘叉车司机"]),
        ("NEAR(叉车 司机)", ["招聘叉车司机"]),
        ("-", ["仓库叉车工", "招聘叉车司机"]),
        ("-司机", ["仓库叉车工", "招聘叉车司机"]),
        (":", ["仓库叉车工", "招聘叉车司机"]),
        ("search_text:叉车", []),
        ("^叉车", ["仓库叉车工", "招聘叉车司机"]),
        ("NOT 司机", ["仓库叉车工", "招聘叉车司机"]),
        ("叉车 OR 司机", ["招聘叉车司机"]),
        ("(叉车) AND {司机}", ["招聘叉车司机"]),
        ("'; DROP TABLE employment_jobpost; --", []),
    ],
)
def test_syntax_characters_are_never_syntax(make_post, query, found):
    make_post("招聘叉车司机", occupation=FORKLIFT)
    make_post("仓库叉车工", occupation=FORKLIFT, requirements="会开叉车；做过货车司机优先")
    assert sorted(titles(q=query)) == found
    assert JobPost.objects.count() == 2


def test_an_empty_query_lists_the_open_posts_by_the_ranking(make_post):
    old = make_post("电工")
    JobPost.objects.filter(pk=old.pk).update(posted_at=clock.now() - dt.timedelta(days=20))
    make_post("焊工")
    closed = make_post("叉车工", occupation=FORKLIFT)
    JobPost.objects.filter(pk=closed.pk).update(status="closed")
    expired = make_post("保安员")
    JobPost.objects.filter(pk=expired.pk).update(closing_date=clock.today() - dt.timedelta(days=1))
    rows = list(selectors.job_search(q=""))
    assert [post.title for post in rows] == ["焊工", "电工"]
    assert rows[0].text_score == 0.0 and rows[0].recency_score == 1.0 and rows[1].recency_score == 0.4
    assert titles(q="  ") == ["焊工", "电工"]


def test_a_query_over_50_characters_or_with_a_nul_byte_is_refused(make_post):
    make_post("电工")
    assert titles(q="电" * 50) == []
    with pytest.raises(EmploymentError) as too_long:
        list(selectors.job_search(q="电" * 51))
    assert (too_long.value.code, too_long.value.status) == ("search.query_too_long", 400)
    with pytest.raises(EmploymentError) as nul:
        list(selectors.job_search(q="电工\x00"))
    assert nul.value.code == "search.invalid_query"


def test_filters_by_region_occupation_and_salary(make_post):
    make_post("电工甲", salary_min=3000, salary_max=4000)
    make_post("电工乙", salary_min=5000, salary_max=8000, region=OTHER_COUNTY)
    make_post("护工丙", occupation=CARER, salary_min=4000, salary_max=5000, region=OTHER_CITY)
    assert sorted(titles(region="4301")) == ["电工乙", "电工甲"]
    assert titles(region=OTHER_COUNTY) == ["电工乙"]
    assert titles(region="4302") == ["护工丙"]
    assert titles(region="4303") == []
    assert sorted(titles(occupation=ELECTRICIAN)) == ["电工乙", "电工甲"]
    assert titles(occupation="9-99-99-99") == []
    # A post whose range reaches the asked pay.
    assert sorted(titles(salary=4500)) == ["护工丙", "电工乙"]
    assert titles(salary=6000, region="4301") == ["电工乙"]
    assert titles(q="电工", salary=6000) == ["电工乙"]


def test_the_ranking_weighs_occupation_distance_salary_and_recency(make_post):
    far = make_post("普工", occupation=FORKLIFT, region=OTHER_CITY, salary_min=5000, salary_max=6000)
    near = make_post("普工", occupation=FORKLIFT, region=OTHER_COUNTY, salary_min=5000, salary_max=6000)
    here = make_post("普工", occupation=FORKLIFT, region=COUNTY, salary_min=3000, salary_max=6000)
    rows = list(selectors.job_search(q="普工", near=COUNTY))
    assert [post.pk for post in rows] == [here.pk, near.pk, far.pk]
    assert [post.distance_score for post in rows] == [1.0, 0.6, 0.3]
    # Asking for 5,000 a month: the posts starting at it fit better than the one only reaching it.
    rows = list(selectors.job_search(q="普工", near=COUNTY, salary=5000))
    by_pk = {post.pk: post for post in rows}
    assert by_pk[here.pk].salary_score == 0.5 and by_pk[near.pk].salary_score == 1.0
    assert [post.pk for post in rows] == [here.pk, near.pk, far.pk]
    # Occupation: a query naming the occupation (by its keyword 叉车) ranks its posts first.
    carer = make_post("普工", occupation=CARER, region=COUNTY, salary_min=3000, salary_max=6000)
    rows = list(selectors.job_search(q="叉车", near=COUNTY))
    assert carer.pk not in [post.pk for post in rows]
    rows = list(selectors.job_search(q="普工", occupation=None, near=COUNTY))
    assert {post.pk: post.occupation_score for post in rows}[carer.pk] == 0.0
    rows = list(selectors.job_search(q="普工", occupation=FORKLIFT, near=COUNTY))
    assert all(post.occupation_score == 1.0 for post in rows)


def test_each_result_explains_its_score(make_post):
    for index in range(3):  # bm25 needs a word to be rarer than in half the posts to weigh it
        make_post(f"保安员{index}", occupation="4-07-05-01", region=OTHER_COUNTY)
    make_post("维修电工", region=OTHER_COUNTY)
    (post,) = selectors.job_search(q="电工", region="4301", near=COUNTY, salary=5000)
    why = {part["component"]: part for part in search.why(post)}
    assert list(why) == ["text", "occupation", "distance", "salary", "recency"]
    assert 0 < why["text"]["value"] <= 1
    assert why["occupation"]["value"] == 1.0  # 电工 names the occupation 电工
    assert why["distance"]["value"] == 0.6  # same prefecture
    assert why["salary"]["value"] == 0.5  # 4,000–6,000 reaches 5,000 without starting at it
    assert why["recency"]["value"] == 1.0
    assert sum(part["weight"] for part in why.values()) == pytest.approx(1.0)
    assert post.score == pytest.approx(sum(part["points"] for part in why.values()), abs=0.005)


def test_text_relevance_ranks_a_post_about_the_words_above_one_that_mentions_them(make_post):
    for index in range(6):
        make_post(f"保安员{index}", occupation="4-07-05-01")
    focused = make_post("电工", requirements="电工证；电工经验")
    passing = make_post(
        "仓管员", occupation="4-02-06-01", requirements="懂一点电工更好，需要长期稳定，能够服从安排"
    )
    rows = list(selectors.job_search(q="电工"))
    assert [post.pk for post in rows] == [focused.pk, passing.pk]
    assert rows[0].text_score > rows[1].text_score > 0
