"""URL converters shared by the page URLs."""

from fangyi.core.schemas import MAX_ROW_ID


class RowIdConverter:
    """The id of a row with an integer key, 1 to MAX_ROW_ID: a longer number is no page (404)
    rather than an overflow in the database driver."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ROW_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
