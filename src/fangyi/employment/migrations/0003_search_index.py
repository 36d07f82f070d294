"""The full-text index of the job posts: an FTS5 table on SQLite; on PostgreSQL a stored generated
column `search_vector` = to_tsvector('simple', search_text), GIN-indexed (a phrase match rechecks
its rows and the ranking reads every match: from the stored vector, not by parsing the text again)."""

from django.db import migrations

SQLITE = (
    "CREATE VIRTUAL TABLE employment_jobpost_fts USING fts5(search_text)",
    "DROP TABLE employment_jobpost_fts",
)
POSTGRESQL = (
    "ALTER TABLE employment_jobpost ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED; "
    "CREATE INDEX employment_jobpost_search ON employment_jobpost USING GIN (search_vector)",
    "DROP INDEX employment_jobpost_search; ALTER TABLE employment_jobpost DROP COLUMN search_vector",
)


def _run(schema_editor, forward: bool) -> None:
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    if statements:
        schema_editor.execute(statements[0] if forward else statements[1])


def create(apps, schema_editor):
    _run(schema_editor, forward=True)


def drop(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("employment", "0002_occupations")]

    operations = [migrations.RunPython(create, drop)]
