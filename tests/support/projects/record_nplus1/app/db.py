"""SQLite through SQLAlchemy: authors and their books (the file comes from DATABASE_URL)."""

import os

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

AUTHORS = 6  # more than the 5 repeats that make a statement "likely N+1"


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list["Book"]] = relationship(back_populates="author", lazy="select")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


engine = create_engine(
    os.environ.get("DATABASE_URL", "sqlite:///./record_nplus1.db"),
    connect_args={"check_same_thread": False},
)


def seed() -> None:
    """The tables and AUTHORS authors with two books each, once."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        if session.scalar(select(Author).limit(1)) is None:
            for n in range(AUTHORS):
                author = Author(name=f"author {n}")
                author.books = [Book(title=f"book {n}.{k}") for k in range(2)]
                session.add(author)
            session.commit()
