"""Syntax colours for the Deploy tab's preview: one small rule table per kind of file
(YAML, nginx, INI for systemd units, Dockerfile, Python) and one for unified diffs.

Every rule is a regular expression over one line: these files have no construct that
spans lines the preview needs to colour (a Python docstring stays plain), so each
block is coloured on its own, token by token.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from asgideck.gui.core import theme

__all__ = ["SYNTAX_OF_KIND", "DeployHighlighter", "syntax_for"]

_LIGHT = {
    "comment": "#6b7280", "key": "#0f766e", "string": "#a31515", "number": "#1d4ed8",
    "keyword": "#7c3aed", "section": "#b45309", "variable": "#be185d",
    "added": "#15803d", "removed": "#b91c1c", "hunk": "#1d4ed8",
}  # fmt: skip
_DARK = {
    "comment": "#9ca3af", "key": "#5eead4", "string": "#f0a37b", "number": "#93c5fd",
    "keyword": "#c4b5fd", "section": "#fbbf24", "variable": "#f9a8d4",
    "added": "#86efac", "removed": "#fca5a5", "hunk": "#93c5fd",
}  # fmt: skip

_STRING = r"(?P<string>\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?)"
_NUMBER = r"(?P<number>\b\d+(?:\.\d+)?[a-zA-Z]{0,2}\b)"
_DOCKER_WORDS = (
    "FROM|AS|RUN|CMD|COPY|ADD|ENV|ARG|WORKDIR|USER|EXPOSE|HEALTHCHECK|ENTRYPOINT|LABEL|"
    "VOLUME|SHELL|STOPSIGNAL|ONBUILD"
)
_PY_WORDS = (
    "import|from|as|def|class|return|if|elif|else|for|in|not|and|or|is|None|True|False|"
    "try|except|finally|with|lambda|pass|raise|while"
)

#: syntax name -> one regular expression whose named groups are the colours
_RULES: dict[str, re.Pattern[str]] = {
    "yaml": re.compile(
        r"(?P<comment>(?:^|\s)#.*$)|^(?P<key>\s*-?\s*[\w.\-/]+)(?=\s*:(?:\s|$))|"
        + _STRING
        + r"|(?P<variable>\$\{[^}]*\}?)|(?P<keyword>\b(?:true|false|null)\b)|"
        + _NUMBER
    ),
    "nginx": re.compile(
        r"(?P<comment>#.*$)|^(?P<key>\s*[a-z_]+)\b|" + _STRING + r"|(?P<variable>\$\w+)|" + _NUMBER
    ),
    "ini": re.compile(
        r"(?P<comment>^\s*[#;].*$)|(?P<section>^\s*\[[^\]]*\])|^(?P<key>\s*[\w.\-]+)(?==)|"
        + r"(?P<variable>[%$]\{?\w+\}?)|"
        + _STRING
    ),
    "dockerfile": re.compile(
        r"(?P<comment>^\s*#.*$)|^(?P<keyword>\s*(?:"
        + _DOCKER_WORDS
        + r"))\b|"
        + _STRING
        + r"|(?P<variable>\$\{?\w+\}?)|(?P<key>--[\w-]+)"
    ),
    "python": re.compile(
        r"(?P<comment>#.*$)|" + _STRING + r"|(?P<keyword>\b(?:" + _PY_WORDS + r")\b)|" + _NUMBER
    ),
    "diff": re.compile(
        r"(?P<section>^(?:\+\+\+|---) .*$)|(?P<hunk>^@@.*$)|(?P<added>^\+.*$)|(?P<removed>^-.*$)"
    ),
}

#: a generated file's kind -> the syntax its preview is coloured with
SYNTAX_OF_KIND = {
    "gunicorn": "python",
    "dockerfile": "dockerfile",
    "dockerignore": "ini",
    "compose": "yaml",
    "k8s": "yaml",
    "nginx": "nginx",
    "systemd": "ini",
}


def syntax_for(kind: str) -> str:
    """The syntax of a file kind ("" for none: plain text)."""
    return SYNTAX_OF_KIND.get(kind, "")


def _format(colour: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    fmt.setFontItalic(italic)
    return fmt


class DeployHighlighter(QSyntaxHighlighter):
    """Colours the preview in one of the syntaxes of ``_RULES`` (``set_syntax``)."""

    def __init__(self, document: QTextDocument, syntax: str = "") -> None:
        super().__init__(document)
        colours = _DARK if theme.is_dark() else _LIGHT
        self.formats = {
            name: _format(
                colour,
                bold=name in ("key", "keyword", "section", "hunk"),
                italic=name == "comment",
            )
            for name, colour in colours.items()
        }
        self.syntax = syntax

    def set_syntax(self, syntax: str) -> None:
        """Colour with ``syntax`` from now on ("" or unknown: plain text)."""
        if syntax != self.syntax:
            self.syntax = syntax
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        rule = _RULES.get(self.syntax)
        if rule is None:
            return
        for match in rule.finditer(text):
            kind = match.lastgroup
            if kind is None:
                continue
            start, end = match.span(kind)
            self.setFormat(start, end - start, self.formats[kind])
