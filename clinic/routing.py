"""URL rules that make their url_for builders when first asked, not at start-up.

Werkzeug compiles two small Python functions for every rule as it is added, to build its URLs:
for the app's rules that is most of what registering the blueprints costs, about a tenth of
start-up, while a request builds only the few URLs its page links to. A LazyRule makes each
builder the first time a URL is built from it, with Werkzeug's own code, and keeps it.

This replaces Rule._compile_builder, which is Werkzeug's own: tests/test_routing.py builds every
URL of the app both ways, so an upgrade that changes it shows there.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import Rule


class LazyRule(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Any:
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, *args: Any, **values: Any) -> Any:
            made = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, made)  # two threads at once would make the same one twice
            return made(*args, **values)

        return build


def init_app(app: Flask) -> None:
    """Before any rule is added: the app's rules are LazyRules."""
    app.url_rule_class = LazyRule
