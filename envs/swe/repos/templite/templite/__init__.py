"""templite: a small text template engine with variables, filters, conditionals and loops."""

from templite.engine import Template, TemplateError, render
from templite.filters import FILTERS

__all__ = ["FILTERS", "Template", "TemplateError", "render"]
