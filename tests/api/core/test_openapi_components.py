"""OpenAPI component names are unique: Django Ninja names a schema component after its
class, so two classes with one name (say ``PlayerOut`` in two apps) silently become one
component and one of the operations is documented with the other's shape."""

from __future__ import annotations

import typing
from collections import defaultdict

from pydantic import BaseModel

from api.v1 import api


def _models(annotation, seen: set) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation, seen)
    for arg in typing.get_args(annotation):
        yield from _models(arg, seen)


def test_schema_class_names_are_unique():
    seen: set = set()
    by_name = defaultdict(set)
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                roots = [*operation.response_models.values(), *(operation.models or [])]
                for model in (m for root in roots for m in _models(root, seen)):
                    if model.__module__.startswith("api."):
                        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    duplicates = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert len(by_name) > 20  # the walk does find our schemas
    assert not duplicates, f"rename one of each: {duplicates}"
