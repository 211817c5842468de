"""The app's URL rules make their builders late (clinic.routing) and build what Werkzeug's own
rules build."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.routing import Map, Rule

from clinic.routing import LazyRule


def _plain(rule: Rule) -> Rule:
    """The same rule as Werkzeug's own Rule, in a map of its own."""
    plain = Rule(rule.rule, endpoint=rule.endpoint, defaults=rule.defaults, methods=rule.methods)
    Map([plain], converters=rule.map.converters)
    return plain


def test_every_url_builds_as_werkzeugs_own_rule_builds_it(app: Flask) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 50 and all(isinstance(rule, LazyRule) for rule in rules)
    for rule in rules:
        values = {name: 7 for name in rule.arguments}
        extra = {**values, "next": "/a b", "page": 2}
        for append_unknown in (False, True):
            for given in (values, extra):
                built = rule.build(given, append_unknown=append_unknown)
                assert built == _plain(rule).build(given, append_unknown=append_unknown), rule
                assert built is not None and built[1].startswith("/"), rule
        # Once made, the builder is kept: built again, the same answer.
        assert rule.build(extra) == _plain(rule).build(extra)


def test_a_rule_makes_its_builder_when_first_asked(app: Flask) -> None:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "couples.show")
    assert rule._build_unknown.__name__ == "build"  # the stand-in: nothing compiled yet
    with app.test_request_context():
        first = url_for("couples.show", couple_id=12, tab="notes")
        made = rule._build_unknown
        assert made.__name__.startswith("<builder:")  # Werkzeug's own, made just now
        assert url_for("couples.show", couple_id=13) == "/couples/13"
        assert rule._build_unknown is made
    assert first == "/couples/12?tab=notes"


def test_a_value_a_converter_refuses_builds_nothing(app: Flask) -> None:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "couples.show")
    with pytest.raises(ValueError):
        rule.build({"couple_id": "twelve"})
    with pytest.raises(ValueError):
        _plain(rule).build({"couple_id": "twelve"})
