"""What the routes call: the N+1 way, the batched way, and a bug."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import Author, Book


def shelf_one_by_one(session: Session) -> list[dict[str, object]]:
    """One query for the authors, then one per author for the books: the N+1 pattern."""
    shelf = []
    for author in session.scalars(select(Author).order_by(Author.id)):
        books = session.scalars(select(Book).where(Book.author_id == author.id)).all()
        shelf.append({"author": author.name, "books": [b.title for b in books]})
    return shelf


def shelf_batched(session: Session) -> list[dict[str, object]]:
    """The same answer in two queries (authors, then every book of them at once)."""
    authors = session.scalars(
        select(Author).options(selectinload(Author.books)).order_by(Author.id)
    )
    return [{"author": a.name, "books": [b.title for b in a.books]} for a in authors]


def explode(author_id: int) -> None:
    """A bug in the project's own code: the recorded exception points here."""
    raise LookupError(f"no shelf for author {author_id}")
