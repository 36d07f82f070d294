from fangyi.core.errors import DomainError


class QuarantineError(DomainError):
    pass
