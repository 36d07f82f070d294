"""Chinese full-text search of the job posts and its explainable ranking.

Text is segmented by jieba in search mode (a long word also yields the shorter words inside it:
维修电工 → 维修 电工 维修电工), the same way for the posts and for the query, and the query's words
must follow one another as a phrase: 叉车司机 (叉车 司机) finds "招聘叉车司机", not a post that
has 叉车 in one place and 司机 in another. Nothing the user types reaches the full-text engine as
syntax: every character that is not a letter or digit is a separator, and the engines' operator
words are dropped.

SQLite keeps the words in an FTS5 table (`employment_jobpost_fts`, rowid = the post's id) that
the services write with the post; PostgreSQL matches the stored column `search_vector`
(`to_tsvector('simple', search_text)`, GIN-indexed) with `phraseto_tsquery('simple', ...)`. Both
are created by migration 0003.
"""

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable
from typing import Any, TypeVar

import jieba
from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, FloatField, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Length, Replace
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.employment.choices import PostStatus
from fangyi.employment.errors import EmploymentError
from fangyi.employment.models import JobPost, Occupation, Seeker

jieba.setLogLevel(logging.WARNING)
M = TypeVar("M", JobPost, Seeker)

FTS_TABLE = "employment_jobpost_fts"
MAX_QUERY = 50
# Operator words of FTS5 and tsquery syntax: dropped when typed as words of their own.
OPERATORS = {"AND", "OR", "NOT", "NEAR"}
SEPARATORS = re.compile(r"[\W_]+")
# How much each component counts; each component is between 0 and 1, and so is the score.
WEIGHTS = {"text": 0.40, "occupation": 0.20, "distance": 0.20, "salary": 0.10, "recency": 0.10}
# A search made by a signed-in seeker also counts how many of their skills the post names.
SEEKER_WEIGHTS = {
    "text": 0.35,
    "occupation": 0.20,
    "skills": 0.10,
    "distance": 0.15,
    "salary": 0.10,
    "recency": 0.10,
}
# Recommendations (posts for a seeker, seekers for a post) have no words to match.
MATCH_WEIGHTS = {"occupation": 0.30, "skills": 0.25, "distance": 0.20, "salary": 0.15, "recency": 0.10}
LABELS = {
    "text": _("Words"),
    "occupation": _("Occupation"),
    "skills": _("Skills"),
    "distance": _("Distance"),
    "salary": _("Pay"),
    "recency": _("Recency"),
}
# A seeker's skills counted in the overlap (their first words; the profile keeps 256 characters).
MAX_SKILL_WORDS = 24
# A post's words matched against the seekers' skills (its first ones: the title comes first), one
# LIKE each in the query.
MAX_POST_WORDS = 200
# Distance from where the seeker is: same county, same prefecture, same province.
DISTANCE = ((6, 1.0), (4, 0.6), (2, 0.3))
# Recency by age of the post in days.
RECENCY = ((1, 1.0), (7, 0.7), (30, 0.4))
RECENCY_OLDER = 0.1
# Half-saturation of the engines' raw relevance (bm25 is about 1-10, ts_rank about 0.05-0.5).
RELEVANCE_HALF = {"sqlite": 1.0, "postgresql": 0.1}


def words(text: str) -> list[str]:
    """The words of `text` in search mode, punctuation and symbols dropped."""
    found: list[str] = []
    for token in jieba.lcut_for_search(text):
        found.extend(part for part in SEPARATORS.split(token) if part)
    return found


@functools.lru_cache(maxsize=4096)
def _part_words(part: str) -> str:
    return " ".join(words(part))


def document(*parts: str) -> str:
    """What a post's `search_text` holds: the words of its parts (each segmented on its own, so a
    word never spans two parts), space-separated."""
    return " ".join(filter(None, (_part_words(part) for part in parts if part)))


def skill_text(skills: str) -> str:
    """What a seeker's `search_text` holds: the distinct words of their skills, lower-cased, so
    that their count is the number of skills words the ranking's overlap divides by."""
    return " ".join(dict.fromkeys(word.lower() for word in words(skills)))


def query_words(raw: str) -> list[str]:
    """The words of a user's query, refused when too long or holding a NUL byte."""
    if "\x00" in raw:
        raise EmploymentError(
            "search.invalid_query", _("The search text holds a character it may not."), field="q"
        )
    if len(raw) > MAX_QUERY:
        raise EmploymentError(
            "search.query_too_long",
            _("Search with at most %(limit)s characters."),
            field="q",
            limit=MAX_QUERY,
        )
    cleaned = " ".join(word for word in SEPARATORS.sub(" ", raw).split() if word.upper() not in OPERATORS)
    return words(cleaned)


# Keeping the SQLite index in step ------------------------------------------------------------------


def index_posts(posts: Iterable[JobPost]) -> None:
    """Write the posts' words to the SQLite FTS table (PostgreSQL indexes the column itself)."""
    if connection.vendor != "sqlite":
        return
    rows = [(post.pk, post.search_text) for post in posts]
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk, _text in rows])
        cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (%s, %s)", rows)


def reindex() -> None:
    """Rebuild the SQLite FTS table from every post (after bulk loads)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) SELECT id, search_text FROM employment_jobpost"
        )


# Searching ---------------------------------------------------------------------------------------


def _text_match(rows: QuerySet[JobPost], phrase: str) -> tuple[QuerySet[JobPost], Any]:
    """Keep the posts holding `phrase` (words separated by spaces); their raw relevance."""
    if connection.vendor == "sqlite":
        quoted = '"' + phrase.replace('"', "") + '"'
        rows = rows.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = employment_jobpost.id", f"{FTS_TABLE} MATCH %s"],
            params=[quoted],
        )
        return rows, RawSQL(f"-bm25({FTS_TABLE})", [], output_field=FloatField())
    vector = "employment_jobpost.search_vector"
    rows = rows.extra(where=[f"{vector} @@ phraseto_tsquery('simple', %s)"], params=[phrase])
    return rows, RawSQL(
        f"ts_rank({vector}, phraseto_tsquery('simple', %s))", [phrase], output_field=FloatField()
    )


def named_occupations(query: list[str]) -> set[str]:
    """The occupations the query names, by name or by one of their keywords."""
    if not query:
        return set()
    joined = "".join(query)
    found = set()
    for code, name, keywords in Occupation.objects.values_list("code", "name", "keywords"):
        if (
            joined in name
            or name in joined
            or any(word in query or word == joined for word in keywords.split())
        ):
            found.add(code)
    return found


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _total(terms: list[Any]) -> Any:
    """The sum of the terms added pairwise, so that the expression is as deep as the log of their
    number (a chain of hundreds overflows Python's recursion and SQLite's expression depth)."""
    if not terms:
        return _float(0.0)
    while len(terms) > 1:
        pairs = [terms[index : index + 2] for index in range(0, len(terms), 2)]
        terms = [pair[0] + pair[1] if len(pair) == 2 else pair[0] for pair in pairs]
    return terms[0]


def _distance(field: str, place: str) -> Case:
    """How near the row's region `field` is to `place`: same county, prefecture, province."""
    return Case(
        *[
            When(**{f"{field}__startswith": place[:length]}, then=_float(value))
            for length, value in DISTANCE
            if len(place) >= length
        ],
        default=_float(0.0),
    )


def _recency(field: str) -> Case:
    now = clock.now()
    return Case(
        *[
            When(**{f"{field}__gte": now - dt.timedelta(days=days)}, then=_float(value))
            for days, value in RECENCY
        ],
        default=_float(RECENCY_OLDER),
    )


def _pay_fit(expected: int) -> Any:
    """A post starting at the expected pay fits (1), one only reaching it half (0.5); no
    expectation fits every post."""
    if not expected:
        return _float(1.0)
    return Case(
        When(salary_min__gte=expected, then=_float(1.0)),
        When(salary_max__gte=expected, then=_float(0.5)),
        default=_float(0.0),
    )


def _post_names_word(word: str) -> RawSQL:
    """1 when the post's words hold `word` (through the full-text index), else 0."""
    if connection.vendor == "sqlite":
        return RawSQL(
            f"CASE WHEN employment_jobpost.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
            " THEN 1.0 ELSE 0.0 END",
            ['"' + word.replace('"', "") + '"'],
            output_field=FloatField(),
        )
    return RawSQL(
        "CASE WHEN employment_jobpost.search_vector @@ phraseto_tsquery('simple', %s) THEN 1.0 ELSE 0.0 END",
        [word],
        output_field=FloatField(),
    )


def _skills_in_post(seeker: Seeker) -> Any:
    """The share of the seeker's skills words the post holds."""
    skills = seeker.search_text.split()[:MAX_SKILL_WORDS]
    if not skills:
        return _float(0.0)
    found = _total([_post_names_word(word) for word in skills])
    return ExpressionWrapper(found / _float(len(skills)), output_field=FloatField())


def _post_words_in_skills(post: JobPost) -> tuple[Any, Concat]:
    """The share of a seeker's skills words (distinct in their `search_text`) that the post's own
    words hold (its title, occupation and requirements, not the employer's or the place's names),
    and the seekers' words padded with spaces it matches whole words in (annotated `padded_text`)."""
    own = document(post.title, post.occupation.name, post.requirements).lower().split()
    wanted = list(dict.fromkeys(own))[:MAX_POST_WORDS]
    padded = Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField())
    found = _total(
        [
            Case(When(padded_text__contains=f" {word} ", then=_float(1.0)), default=_float(0.0))
            for word in wanted
        ]
    )
    if not wanted:
        return _float(0.0), padded
    count = Length("search_text") - Length(Replace("search_text", Value(" "), Value(""))) + Value(1)
    return Case(
        When(search_text="", then=_float(0.0)),
        default=ExpressionWrapper(found / Cast(count, FloatField()), output_field=FloatField()),
    ), padded


def _ranked(
    rows: QuerySet[M], components: dict[str, Any], weights: dict[str, float], newest: str
) -> QuerySet[M]:
    """The rows with each component as `<name>_score` and their weighted sum as `score`, best
    first (then the newest by the `newest` field)."""
    rows = rows.annotate(**{f"{name}_score": components[name] for name in weights})
    rows = rows.annotate(
        score=ExpressionWrapper(
            sum(
                (_float(weight) * F(f"{name}_score") for name, weight in weights.items()),
                start=_float(0.0),
            ),
            output_field=FloatField(),
        )
    )
    return rows.order_by("-score", f"-{newest}", "-id")


def job_search(
    *,
    q: str = "",
    region: str | None = None,
    occupation: str | None = None,
    salary: int | None = None,
    near: str | None = None,
    seeker: Seeker | None = None,
) -> QuerySet[JobPost]:
    """Open posts (not past their closing date) matching the query and the filters, best first.
    Each carries `score` and the components `text_score`, `occupation_score`, `distance_score`,
    `salary_score` and `recency_score` (see `why`). Searched by a seeker, also `skills_score`:
    the share of their skills the post names, with the distance from where they look for work
    unless `near` says otherwise."""
    query = query_words(q)
    rows = JobPost.objects.filter(status=PostStatus.OPEN, closing_date__gte=clock.today())
    if region:
        rows = rows.filter(region__code__startswith=region)
    if occupation:
        rows = rows.filter(occupation_id=occupation)
    if salary is not None:
        rows = rows.filter(salary_max__gte=salary)
    text: Any = _float(0.0)
    if query:
        rows, raw = _text_match(rows, " ".join(query))
        half = RELEVANCE_HALF[connection.vendor]
        text = ExpressionWrapper(raw / (raw + _float(half)), output_field=FloatField())
    wanted = named_occupations(query) | ({occupation} if occupation else set())
    place = near or (seeker.region_id if seeker else "") or region or ""
    components = {
        "text": text,
        "occupation": Case(When(occupation_id__in=wanted, then=_float(1.0)), default=_float(0.0)),
        "distance": _distance("region__code", place),
        "salary": (
            Case(When(salary_min__gte=salary, then=_float(1.0)), default=_float(0.5))
            if salary
            else _float(0.0)
        ),
        "recency": _recency("posted_at"),
    }
    weights = WEIGHTS
    if seeker is not None:
        components["skills"] = _skills_in_post(seeker)
        weights = SEEKER_WEIGHTS
    return _ranked(rows, components, weights, "posted_at").select_related("employer", "occupation", "region")


def jobs_for_seeker(seeker: Seeker) -> QuerySet[JobPost]:
    """Open posts the seeker has not applied to, ranked for them: their wanted occupation, their
    skills, distance from where they look for work, pay against what they expect, recency."""
    rows = JobPost.objects.filter(status=PostStatus.OPEN, closing_date__gte=clock.today()).exclude(
        applications__seeker=seeker
    )
    components = {
        "occupation": Case(When(occupation_id=seeker.occupation_id, then=_float(1.0)), default=_float(0.0)),
        "skills": _skills_in_post(seeker),
        "distance": _distance("region__code", seeker.region_id),
        "salary": _pay_fit(seeker.expected_salary),
        "recency": _recency("posted_at"),
    }
    return _ranked(rows, components, MATCH_WEIGHTS, "posted_at").select_related(
        "employer", "occupation", "region"
    )


def seekers_for_post(post: JobPost) -> QuerySet[Seeker]:
    """Visible seekers who have not applied to the post, ranked for it the same way: the post's
    occupation, the share of their skills the post names, distance, pay and how recently they
    updated their profile."""
    skills, padded = _post_words_in_skills(post)
    rows = Seeker.objects.filter(visible=True).exclude(applications__post=post).annotate(padded_text=padded)
    components = {
        "occupation": Case(When(occupation_id=post.occupation_id, then=_float(1.0)), default=_float(0.0)),
        "skills": skills,
        "distance": _distance("region__code", post.region_id),
        "salary": Case(
            When(expected_salary__lte=post.salary_min, then=_float(1.0)),
            When(expected_salary__lte=post.salary_max, then=_float(0.5)),
            default=_float(0.0),
        ),
        "recency": _recency("updated_at"),
    }
    return _ranked(rows, components, MATCH_WEIGHTS, "updated_at").select_related(
        "person", "occupation", "region"
    )


def weights_of(row: Any) -> dict[str, float]:
    """The weights a ranked row was scored by: a seeker's search, a recommendation, or the public search."""
    if not hasattr(row, "skills_score"):
        return WEIGHTS
    return SEEKER_WEIGHTS if hasattr(row, "text_score") else MATCH_WEIGHTS


def why(row: Any) -> list[dict[str, Any]]:
    """The ranking of one ranked row (a post or a seeker): each component's value, weight and points."""
    return [
        {
            "component": name,
            "label": str(LABELS[name]),
            "value": round(float(getattr(row, f"{name}_score")), 3),
            "weight": weight,
            "points": round(weight * float(getattr(row, f"{name}_score")), 3),
        }
        for name, weight in weights_of(row).items()
    ]
