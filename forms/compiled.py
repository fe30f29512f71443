"""A yes/no answer to "is this submission valid against its form?", from the schema compiled once into closures.

jsonschema interprets a schema afresh on every call (a new validator object for every property it
descends into), which made form validation about a seventh of a task completion. A valid
submission is the common case and needs no error list, so `forms.validate_form` asks the compiled
check first, and only a submission it rejects goes through jsonschema for the errors and their wording.

The check mirrors jsonschema exactly: every keyword that looks at one value (`enum`, `format`,
`minLength`, ...) is jsonschema's own keyword function, called with the form's validator (so the
same format checker and equality); `type` asks the validator's `is_type`, as that keyword does;
the keywords that descend into subschemas (`properties`, `items`, `$ref`, `allOf`, `if`, ...) are
walked here, each as jsonschema walks it. A schema with any other keyword is not compiled
(`compile_form` gives None) and jsonschema does all of that form's work. tests/forms/test_compiled.py
compares the two answers on every form's examples and on many altered copies of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# keywords with no say in validity, or read by another keyword ("then"/"else" by "if")
_IGNORED = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default",
                      "deprecated", "readOnly", "writeOnly", "then", "else"})
# keywords that judge the value in hand and never descend: jsonschema's own function decides
_LEAVES = frozenset({"enum", "const", "format", "required", "minLength", "maxLength", "pattern",
                     "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                     "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "dependentRequired"})


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) the compiled check does not mirror."""


def compile_form(validator: Any, resolver: Any) -> Check | None:
    """The check for a jsonschema validator's schema, `$ref`s resolved by `resolver`; None if unsupported."""
    try:
        return _Compiler(validator).compile(validator.schema, resolver, root=True)
    except Unsupported:
        return None


class _Compiler:
    def __init__(self, validator: Any) -> None:
        self.validator = validator
        self.is_type = validator.is_type
        self.refs: dict[int, Check] = {}

    def compile(self, schema: Any, resolver: Any, root: bool = False) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise Unsupported(f"a schema must be an object or a boolean, not {schema!r}")
        if "$id" in schema and not root:
            raise Unsupported("a subschema with its own $id")
        checks = [self._keyword(name, value, schema, resolver) for name, value in schema.items()
                  if name not in _IGNORED]
        return _all_of(checks)

    def _keyword(self, name: str, value: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        if name in _LEAVES:
            return self._leaf(name, value, schema)
        build = getattr(self, "_" + name.lstrip("$"), None)
        if build is None:
            raise Unsupported(f"keyword {name!r}")
        check: Check = build(value, schema, resolver)
        return check

    def _leaf(self, name: str, value: Any, schema: Mapping[str, Any]) -> Check:
        function, validator = self.validator.VALIDATORS[name], self.validator

        def leaf(instance: Any) -> bool:
            for _error in function(validator, value, instance, schema):
                return False
            return True

        return leaf

    def _type(self, types: str | list[str], schema: Mapping[str, Any], resolver: Any) -> Check:
        """jsonschema's `type` keyword without its generator: the validator's own `is_type` decides."""
        is_type = self.is_type
        if isinstance(types, str):
            return lambda instance: is_type(instance, types)
        return lambda instance: any(is_type(instance, name) for name in types)

    def _properties(self, properties: Mapping[str, Any], schema: Mapping[str, Any], resolver: Any) -> Check:
        compiled = [(name, self.compile(sub, resolver)) for name, sub in properties.items()]
        is_type = self.is_type

        def check(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            return all(each(instance[name]) for name, each in compiled if name in instance)

        return check

    def _additionalProperties(self, extra: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("additionalProperties beside patternProperties")
        declared, is_type = schema.get("properties", {}), self.is_type
        each = self.compile(extra, resolver) if is_type(extra, "object") else (_always if extra else _never)

        def check(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            return all(each(value) for name, value in instance.items() if name not in declared)

        return check

    def _items(self, items: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("items beside prefixItems")
        each, is_type = self.compile(items, resolver), self.is_type

        def check(instance: Any) -> bool:
            return not is_type(instance, "array") or all(each(item) for item in instance)

        return check

    def _contains(self, contains: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        if "minContains" in schema or "maxContains" in schema:
            raise Unsupported("contains with minContains or maxContains")
        each, is_type = self.compile(contains, resolver), self.is_type

        def check(instance: Any) -> bool:
            return not is_type(instance, "array") or any(each(item) for item in instance)

        return check

    def _allOf(self, subschemas: list[Any], schema: Mapping[str, Any], resolver: Any) -> Check:
        return _all_of([self.compile(sub, resolver) for sub in subschemas])

    def _anyOf(self, subschemas: list[Any], schema: Mapping[str, Any], resolver: Any) -> Check:
        compiled = [self.compile(sub, resolver) for sub in subschemas]
        return lambda instance: any(each(instance) for each in compiled)

    def _not(self, negated: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        check = self.compile(negated, resolver)
        return lambda instance: not check(instance)

    def _if(self, condition: Any, schema: Mapping[str, Any], resolver: Any) -> Check:
        test = self.compile(condition, resolver)
        then = self.compile(schema.get("then", True), resolver)
        otherwise = self.compile(schema.get("else", True), resolver)
        return lambda instance: then(instance) if test(instance) else otherwise(instance)

    def _ref(self, ref: str, schema: Mapping[str, Any], resolver: Any) -> Check:
        resolved = resolver.lookup(ref)
        key = id(resolved.contents)
        if key not in self.refs:  # a schema that refers to itself meets its own slot, filled below
            slot: list[Check] = []
            self.refs[key] = lambda instance: slot[0](instance)
            slot.append(self.compile(resolved.contents, resolved.resolver, root=_is_resource(resolved.contents)))
        return self.refs[key]


def _is_resource(schema: Any) -> bool:
    return isinstance(schema, Mapping) and "$id" in schema


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(each(instance) for each in checks)


__all__ = ["Check", "Unsupported", "compile_form"]
