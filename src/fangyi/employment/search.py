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
from typing import Any

import jieba
from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, FloatField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.employment.choices import PostStatus
from fangyi.employment.errors import EmploymentError
from fangyi.employment.models import JobPost, Occupation

jieba.setLogLevel(logging.WARNING)

FTS_TABLE = "employment_jobpost_fts"
MAX_QUERY = 50
# Operator words of FTS5 and tsquery syntax: dropped when typed as words of their own.
OPERATORS = {"AND", "OR", "NOT", "NEAR"}
SEPARATORS = re.compile(r"[\W_]+")
# How much each component counts; each component is between 0 and 1, and so is the score.
WEIGHTS = {"text": 0.40, "occupation": 0.20, "distance": 0.20, "salary": 0.10, "recency": 0.10}
LABELS = {
    "text": _("Words"),
    "occupation": _("Occupation"),
    "distance": _("Distance"),
    "salary": _("Pay"),
    "recency": _("Recency"),
}
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


def job_search(
    *,
    q: str = "",
    region: str | None = None,
    occupation: str | None = None,
    salary: int | None = None,
    near: str | None = None,
) -> QuerySet[JobPost]:
    """Open posts (not past their closing date) matching the query and the filters, best first.
    Each carries `score` and the components `text_score`, `occupation_score`, `distance_score`,
    `salary_score` and `recency_score` (see `why`)."""
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
    occupation_score = Case(When(occupation_id__in=wanted, then=_float(1.0)), default=_float(0.0))
    place = near or region or ""
    distance = Case(
        *[
            When(region__code__startswith=place[:length], then=_float(value))
            for length, value in DISTANCE
            if len(place) >= length
        ],
        default=_float(0.0),
    )
    salary_score = (
        Case(When(salary_min__gte=salary, then=_float(1.0)), default=_float(0.5)) if salary else _float(0.0)
    )
    now = clock.now()
    recency = Case(
        *[When(posted_at__gte=now - dt.timedelta(days=days), then=_float(value)) for days, value in RECENCY],
        default=_float(RECENCY_OLDER),
    )
    rows = rows.annotate(
        text_score=text,
        occupation_score=occupation_score,
        distance_score=distance,
        salary_score=salary_score,
        recency_score=recency,
    ).annotate(
        score=ExpressionWrapper(
            sum(
                (_float(weight) * F(f"{name}_score") for name, weight in WEIGHTS.items()),
                start=_float(0.0),
            ),
            output_field=FloatField(),
        )
    )
    return rows.select_related("employer", "occupation", "region").order_by("-score", "-posted_at", "-id")


def why(post: JobPost) -> list[dict[str, Any]]:
    """The ranking of one found post: each component's value, weight and points."""
    return [
        {
            "component": name,
            "label": str(LABELS[name]),
            "value": round(float(getattr(post, f"{name}_score")), 3),
            "weight": weight,
            "points": round(weight * float(getattr(post, f"{name}_score")), 3),
        }
        for name, weight in WEIGHTS.items()
    ]
