"""Django's validation errors as the FieldProblem list every service raises with InvalidInput."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from onconet.core.errors import FieldProblem


def _problems(exc: ValidationError) -> list[FieldProblem]:
    if hasattr(exc, "error_dict"):
        return [
            FieldProblem(message=" ".join(str(m) for m in messages), field=name)
            for name, messages in exc.message_dict.items()
        ]
    return [FieldProblem(message=" ".join(exc.messages))]
