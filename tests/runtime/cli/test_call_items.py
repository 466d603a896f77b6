"""``asgideck call`` items split exactly as httpie splits them (``KeyValueArgType``): the
earliest separator wins, the longest one when several start at the same place, and a
backslash makes the next separator character (or backslash) literal.

The expected column is what httpie does with the same item (its documented rule, worked by
hand: httpie itself is not installed here).
"""

from __future__ import annotations

import pytest

from asgideck.runtime.cli import ItemError, parse_items
from asgideck.runtime.cli._call import split_item

HTTPIE = [
    # item                          name              sep     value
    ("Authorization:Bearer tok==", ("Authorization", ":", "Bearer tok==")),
    ("Cookie:session=x", ("Cookie", ":", "session=x")),
    ("q==a:b", ("q", "==", "a:b")),
    ("search==a=b", ("search", "==", "a=b")),
    ("a=b==c", ("a", "=", "b==c")),
    ("name=Pen", ("name", "=", "Pen")),
    ("price:=3.5", ("price", ":=", "3.5")),
    ('tags:=["a","b"]', ("tags", ":=", '["a","b"]')),
    ("X-Trace: 1", ("X-Trace", ":", " 1")),
    ("email=bob@example.com", ("email", "=", "bob@example.com")),
    ("Referer:http://x/?a=b", ("Referer", ":", "http://x/?a=b")),
    ("url==http://x:80/", ("url", "==", "http://x:80/")),
    ("Accept;", ("Accept", ";", "")),
    (r"a\=b=c", ("a=b", "=", "c")),
    (r"a\:b:c", ("a:b", ":", "c")),
    (r"path\\=x", ("path\\", "=", "x")),
    (r"x\y=z", ("x\\y", "=", "z")),
    (r"k=a\=b", ("k", "=", "a=b")),
    ("field=@notes.txt", ("field", "=@", "notes.txt")),
    ("avatar@~/me.png", ("avatar", "@", "~/me.png")),
    ("data:=@a.json", ("data", ":=@", "a.json")),
    ("q==@terms.txt", ("q", "==@", "terms.txt")),
    ("X-Data:@a.txt", ("X-Data", ":@", "a.txt")),
]


@pytest.mark.parametrize(("item", "expected"), HTTPIE, ids=[i for i, _ in HTTPIE])
def test_items_split_where_httpie_splits_them(item: str, expected: tuple[str, str, str]) -> None:
    assert split_item(item) == expected


def test_the_split_decides_what_an_item_becomes() -> None:
    query, headers, body = parse_items(
        ["Authorization:Bearer tok==", "Cookie:session=x", "q==a:b", "n=1", "m:=2", "Accept;"]
    )
    assert headers == [("Authorization", "Bearer tok=="), ("Cookie", "session=x"), ("Accept", "")]
    assert query == [("q", "a:b")]
    assert body == {"n": "1", "m": 2}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("lonely", "'lonely': expected name==query"),
        (r"a\=b", r"'a\\=b': expected name==query"),
        ("=value", "'=value': nothing before '=' (expected a name)"),
        ("price:=x", "'price:=x': 'x' is not JSON"),
        ("avatar@me.png", "'avatar@me.png': '@' means a file upload to httpie"),
        ("field=@notes.txt", "'field=@notes.txt': '=@' means a field from a file to httpie"),
        ("Accept;x", "'Accept;x': 'Header;' sends an empty header"),
    ],
)
def test_items_httpie_reads_otherwise_are_refused_by_name(item: str, message: str) -> None:
    with pytest.raises(ItemError) as info:
        parse_items([item])
    assert str(info.value).startswith(message), str(info.value)
