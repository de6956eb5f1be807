"""docs/errors.md is tested: each entry's example raises the entry's exception, with a message
that matches the entry's pattern and holds its keywords. The doc and the code cannot drift.

An entry is a `### <Exception>: <title>` heading followed by `Message:` (the pattern, with
{placeholders}), `Keywords:` (code spans that must appear verbatim), `Cause:`, `Fix:` and one
```python example. `Pending: <why>` marks an entry whose code has not landed: the test is then
expected to fail, strictly, so it reports itself once the code arrives.
"""
from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.ir import JaxprTypeError
from numbax.core.trace import (
    ConcretizationError,
    TracerArrayConversionError,
    UnexpectedTracerError,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
NUMBAX_ERRORS = {cls.__name__: cls for cls in (ConcretizationError, UnexpectedTracerError,
                                               TracerArrayConversionError,
                                               JaxprTypeError)}
CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass
class Entry:
    exception: type
    title: str
    line: int  # of the heading in errors.md
    fields: dict[str, str]
    example: str
    example_line: int

    @property
    def keywords(self) -> list[str]:
        return CODE_SPAN.findall(self.fields["Keywords"])

    @property
    def pattern(self) -> re.Pattern:
        """The Message line's code span as a regex: each {placeholder} matches any text."""
        (message,) = CODE_SPAN.findall(self.fields["Message"])
        parts = re.split(r"\{[^{}]*\}", message)
        return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def _exception(name: str) -> type:
    cls = NUMBAX_ERRORS.get(name) or getattr(builtins, name, None)
    assert isinstance(cls, type) and issubclass(cls, BaseException), f"unknown exception {name}"
    return cls


def parse(text: str) -> tuple[list[Entry], list[str]]:
    """The entries, and the section headings in order."""
    entries: list[Entry] = []
    sections: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            sections.append(line[3:].strip())
        if not line.startswith("### "):
            i += 1
            continue
        name, _, title = line[4:].partition(": ")
        entry = Entry(_exception(name.strip()), title.strip(), i + 1, {}, "", 0)
        i += 1
        while i < len(lines) and not lines[i].startswith("#"):
            field, sep, value = lines[i].partition(": ")
            if sep and field in ("Message", "Keywords", "Cause", "Fix", "Pending"):
                entry.fields[field] = value
            elif lines[i].startswith("```python"):
                assert not entry.example, f"errors.md:{entry.line}: more than one example"
                start = i + 1
                i = start
                while not lines[i].startswith("```"):
                    i += 1
                entry.example, entry.example_line = "\n".join(lines[start:i]) + "\n", start + 1
            i += 1
        entries.append(entry)
    return entries, sections


ENTRIES, SECTIONS = parse(DOC.read_text())


def _param(entry: Entry):
    marks = []
    if "Pending" in entry.fields:
        marks.append(pytest.mark.xfail(strict=True, reason=f"pending: {entry.fields['Pending']}"
                                       " (remove the Pending: line from errors.md once this "
                                       "passes)"))
    return pytest.param(entry, marks=marks, id=f"{entry.exception.__name__}: {entry.title}")


@pytest.fixture
def restored_config():
    """Examples may turn on debugging flags; every option goes back to its value."""
    saved = dict(nb.config._values)
    yield
    for name, value in saved.items():
        if nb.config._values[name] != value:
            nb.config.update(name, value)


@pytest.mark.parametrize("entry", [_param(e) for e in ENTRIES])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own warnings for log(-1), 1/0
def test_documented_error_is_raised_as_documented(entry, restored_config):
    # Leading blank lines put the example's lines at their line numbers in errors.md, so a
    # failure's traceback points into the doc.
    code = compile("\n" * (entry.example_line - 1) + entry.example, str(DOC), "exec")
    namespace = {"np": np, "nb": nb, "xnp": xnp, "lax": nb.lax}
    with pytest.raises(BaseException) as excinfo:
        exec(code, namespace)
    err = excinfo.value
    assert type(err) is entry.exception, (
        f"errors.md:{entry.line}: the example raised {type(err).__name__}: {err}")
    text = "\n".join([str(err), *getattr(err, "__notes__", [])])
    if isinstance(err, KeyError):
        text = "\n".join([err.args[0], *getattr(err, "__notes__", [])])
    assert entry.pattern.search(text), (
        f"errors.md:{entry.line}: message {text!r} does not match {entry.fields['Message']}")
    for word in entry.keywords:
        assert word in text, f"errors.md:{entry.line}: {word!r} not in {text!r}"


def test_every_entry_is_complete():
    assert len(ENTRIES) > 100
    for e in ENTRIES:
        missing = {"Message", "Keywords", "Cause", "Fix"} - set(e.fields)
        assert not missing, f"errors.md:{e.line}: missing {sorted(missing)}"
        assert len(CODE_SPAN.findall(e.fields["Message"])) == 1, f"errors.md:{e.line}"
        assert e.keywords, f"errors.md:{e.line}: no keywords"
        assert e.example.strip(), f"errors.md:{e.line}: no example"
    titles = [(e.exception, e.title) for e in ENTRIES]
    assert len(set(titles)) == len(titles), "two entries share a heading"


def test_doc_has_the_expected_sections_and_numbax_error_classes():
    for section in ("Tracing and concretization", "Leaked tracers", "Argument types and dtypes",
                    "Shapes and axes", "Indexing", "lax primitives", "jit arguments",
                    "Transformations' arguments", "Control flow", "Custom derivatives",
                    "Backends and configuration", "Pytrees"):
        assert section in SECTIONS
    documented = {e.exception for e in ENTRIES}
    assert set(NUMBAX_ERRORS.values()) <= documented
    assert FloatingPointError in documented and OverflowError in documented


def test_internal_errors_listed_in_the_doc_still_exist_in_the_source():
    text = DOC.read_text()
    table = text[text.index("## Internal consistency errors"):]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 5
    source = "\n".join(p.read_text() for p in Path(nb.__file__).parent.rglob("*.py"))
    for row in rows:
        for fragment in CODE_SPAN.findall(row.split("|")[2]):
            assert fragment in source, f"{fragment!r} is no longer raised by numbax"


def test_parser_reads_fields_examples_and_pending_marks():
    entries, sections = parse(
        "## Group\n\n### ValueError: a thing\n\nMessage: `bad {x} here`\n\nKeywords: `bad 1`, "
        "`here`\n\nCause: c\n\nFix: f\n\nPending: not merged\n\n```python\nraise ValueError("
        "'bad 1 here')\n```\n")
    (e,) = entries
    assert sections == ["Group"] and e.exception is ValueError and e.title == "a thing"
    assert e.keywords == ["bad 1", "here"] and e.fields["Pending"] == "not merged"
    assert e.example == "raise ValueError('bad 1 here')\n" and e.example_line == 16
    assert e.pattern.search("bad 1 here") and not e.pattern.search("bad here")
