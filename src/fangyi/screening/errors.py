from fangyi.core.errors import DomainError


class ScreeningError(DomainError):
    pass
