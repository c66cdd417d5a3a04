from types import SimpleNamespace

import pytest

from templite import Template, TemplateError, render


def test_plain_text_is_unchanged():
    assert render("hello world") == "hello world"


def test_variables_and_dotted_lookups():
    user = SimpleNamespace(name="Ada", langs=["en", "fr"])
    assert render("{{ user.name }} speaks {{ user.langs.1 }}", user=user) == "Ada speaks fr"
    assert render("{{ d.key }}", d={"key": 3}) == "3"


def test_missing_values_render_empty_unless_strict():
    assert render("[{{ nope.deeper }}]") == "[]"
    with pytest.raises(TemplateError):
        Template("{{ nope }}", strict=True).render()


def test_private_attributes_are_not_reachable():
    assert render("{{ obj._secret }}", obj=SimpleNamespace(_secret="x")) == ""


def test_autoescape_and_safe():
    assert render("{{ html }}", html="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert render("{{ html|safe }}", html="<b>") == "<b>"
    assert Template("{{ html }}", autoescape=False).render(html="<b>") == "<b>"


def test_quotes_are_escaped():
    assert render("{{ q }}", q="\"it's\"") == "&quot;it&#39;s&quot;"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{{ name|upper }}", "ADA LOVELACE"),
        ("{{ name|title }}", "Ada Lovelace"),
        ("{{ name|truncate:8 }}", "ada l..."),
        ("{{ name|truncate:12 }}", "ada lovelace"),
        ("{{ tags|join:' / ' }}", "a / b / c"),
        ("{{ tags|length }}", "3"),
        ("{{ tags|first }}-{{ tags|last }}", "a-c"),
        ("{{ missing|default:'n/a' }}", "n/a"),
        ("{{ count }} item{{ count|pluralize }}", "1 item"),
        ("{{ tags|length }} tag{{ tags|pluralize }}", "3 tags"),
        ("{{ name|upper|truncate:5 }}", "AD..."),
    ],
)
def test_filters(source, expected):
    assert render(source, name="ada lovelace", tags=["a", "b", "c"], count=1) == expected


def test_unknown_filter_is_a_parse_error():
    with pytest.raises(TemplateError):
        Template("{{ x|shout }}")


@pytest.mark.parametrize(
    "n, expected",
    [(0, "zero"), (3, "small"), (10, "big"), (-1, "negative")],
)
def test_if_elif_else(n, expected):
    source = "{% if n == 0 %}zero{% elif n < 0 %}negative{% elif n < 10 %}small{% else %}big{% endif %}"
    assert render(source, n=n) == expected


def test_conditions_with_not_and_in():
    source = "{% if not user %}guest{% else %}{% if 'admin' in user.roles %}admin{% endif %}{% endif %}"
    assert render(source) == "guest"
    assert render(source, user={"roles": ["admin"]}) == "admin"
    assert render(source, user={"roles": []}) == ""


def test_comparisons_with_strings_and_none():
    assert render("{% if a >= 'b' %}yes{% endif %}", a="c") == "yes"
    assert render("{% if a > 1 %}yes{% else %}no{% endif %}") == "no"
    assert render("{% if a != 1 %}yes{% endif %}", a=2) == "yes"
    assert render("{% if a <= 2 %}yes{% endif %}", a=2) == "yes"


def test_for_loop_with_loop_variables():
    source = "{% for x in xs %}{{ loop.index }}:{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}"
    assert render(source, xs=["a", "b", "c"]) == "1:a, 2:b, 3:c"


def test_for_loop_first_and_length():
    source = "{% for x in xs %}{% if loop.first %}[{{ loop.length }}]{% endif %}{{ loop.index0 }}{% endfor %}"
    assert render(source, xs="abc") == "[3]012"


def test_for_empty():
    source = "{% for x in xs %}{{ x }}{% empty %}none{% endfor %}"
    assert render(source, xs=[]) == "none"
    assert render(source) == "none"
    assert render(source, xs=[1]) == "1"


def test_nested_loops_see_outer_names():
    source = "{% for row in rows %}{% for cell in row %}{{ prefix }}{{ cell }}{% endfor %};{% endfor %}"
    assert render(source, rows=[[1, 2], [3]], prefix="#") == "#1#2;#3;"


def test_comments_are_dropped():
    assert render("a{# anything {{ here }} #}b") == "ab"


@pytest.mark.parametrize(
    "source",
    ["{% if x %}no end", "{% endif %}", "{% for x of xs %}{% endfor %}", "{% frobnicate %}", "{% %}", "{{ }}", "{% if a %}{% else %}{% elif b %}{% endif %}", "{% for x in y %}{% endif %}"],
)
def test_malformed_templates_raise(source):
    with pytest.raises(TemplateError):
        Template(source)


def test_a_template_renders_many_times():
    template = Template("Hi {{ name }}!")
    assert [template.render(name=n) for n in ("A", "B")] == ["Hi A!", "Hi B!"]


def test_context_mapping_and_keywords_merge():
    assert Template("{{ a }}{{ b }}").render({"a": 1, "b": 2}, b=3) == "13"
