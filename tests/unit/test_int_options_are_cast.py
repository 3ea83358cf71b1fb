"""Every int or float option of the roles' specs is cast (| int, | float)
where Jinja computes with it: -e name=3 and an INI inventory's group vars
give the text "3", which the argument spec check accepts, and "3" + 1,
x[:"3"] or 10 >= "3" stop a deploy halfway (a TypeError). A value only
printed, or passed to a module's parameter (which converts it), needs no
cast. A heuristic: it sees an operator or a slice next to the name, not a
name inside a tuple that is computed with as a whole."""

import re

import yaml
from conftest import REPO

# An operator or slice that needs a number on that side of the name.
BEFORE = re.compile(r"(?:[-+*/%<>]=?|==|!=|\[:?|\bin)\s*$")
AFTER = re.compile(r"^\s*(?:[-+*/<>]=?|%(?!\})|==|!=|:?\])")
CAST = re.compile(r"^\s*\|\s*(?:int|float)\b")
# Jinja in braces, and the bare conditions of that/when/until (a line, or a
# list item that is not a mapping).
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
CONDITION = re.compile(r"^\s*(?:(?:- )?(?:that|when|until|failed_when|changed_when):\s*|-\s+(?!.*: ))([^{\n]+)$", re.M)


def expressions(text):
    return JINJA.findall(text) + CONDITION.findall(text)


def numeric_options():
    names = set()
    for spec in (REPO / "roles").glob("*/meta/argument_specs.yml"):
        for entry in yaml.safe_load(spec.read_text())["argument_specs"].values():
            for name, option in (entry.get("options") or {}).items():
                if (option or {}).get("type") in ("int", "float"):
                    names.add(name)
    return names


def uncast_uses(text, names):
    """(name, the expression) for each use of a name that computes without a cast."""
    found = []
    pattern = re.compile(r"\b(%s)\b" % "|".join(sorted(map(re.escape, names))))
    for expression in expressions(text):
        for match in pattern.finditer(expression):
            before, after = expression[:match.start()], expression[match.end():]
            if CAST.match(after):
                continue
            if BEFORE.search(before) or AFTER.match(after):
                found.append((match.group(1), " ".join(expression.split())[:160]))
    return found


def test_the_check_sees_an_uncast_use():
    names = {"keep", "timeout"}
    assert uncast_uses("{{ (xs | list)[:keep] }}", names) == [("keep", "{{ (xs | list)[:keep] }}")]
    assert uncast_uses("tail -n +{{ keep + 1 }}", names) == [("keep", "{{ keep + 1 }}")]
    assert uncast_uses("{{ (timeout / 2) | int }}", names) == [("timeout", "{{ (timeout / 2) | int }}")]
    assert uncast_uses("  that: free | int >= keep", names) == [("keep", "free | int >= keep")]
    assert uncast_uses("    - keep > 1\n    - name: keep > 1 is printed", names) == [("keep", "keep > 1")]
    assert uncast_uses("    - that: keep >= 1", names) == [("keep", "keep >= 1")]
    cast = "{{ keep | int + 1 }} {{ timeout }} s {{ [keep | int, 3] }} {% set a = ':' ~ keep %}"
    assert uncast_uses(cast, names) == []


def test_every_numeric_option_is_cast_where_it_is_computed_with():
    names = numeric_options()
    files = [p for p in sorted((REPO / "roles").rglob("*")) + sorted((REPO / "playbooks").rglob("*"))
             if p.suffix in (".yml", ".j2") and p.name != "argument_specs.yml" and "defaults" not in p.parts]
    found = ["%s: %s in %s" % (path.relative_to(REPO), name, expression)
             for path in files for name, expression in uncast_uses(path.read_text(), names)]
    assert found == []
