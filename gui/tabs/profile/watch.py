"""Notice when a profile's files change on disk (an editor, git, another asgideck).

``QFileSystemWatcher`` drops a path when the file behind it is replaced (editors save
by writing a new file and renaming it over the old one), so every notification
re-adds the paths, and the folders are watched too for a file that comes back
later. Notifications are debounced, then each file's content is compared with what
it was when :meth:`FileWatcher.watch` was called: only a real change is reported,
so asgideck's own edits (which reload and call ``watch`` again) and saves of
unrelated files in the same folder stay quiet.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

__all__ = ["DEBOUNCE_MS", "FileWatcher"]

DEBOUNCE_MS = 150
_MAX_BYTES = 16 * 1024 * 1024  # beyond any env file asgideck reads: compare metadata only


def _fingerprint(path: Path) -> tuple[int, int, str] | None:
    """What the file is now: size, mtime and a digest of its bytes; None when absent."""
    try:
        st = path.stat()
        if st.st_size > _MAX_BYTES or not path.is_file():
            return (st.st_size, st.st_mtime_ns, "")
        return (st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError:
        return None


class FileWatcher(QObject):
    """Watches a set of files; ``changed`` carries those whose content changed."""

    changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._files: dict[Path, tuple[int, int, str] | None] = {}
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._poke)
        self._watcher.directoryChanged.connect(self._poke)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._settle)

    @property
    def files(self) -> list[Path]:
        return list(self._files)

    def watch(self, files: list[Path]) -> None:
        """Watch exactly ``files``, taking what they are now as unchanged."""
        self._files = {path: _fingerprint(path) for path in files}
        self._rewatch()

    def accept(self) -> None:
        """What the files are now is seen (the view reloaded): report later changes only."""
        self.watch(list(self._files))

    def stop(self) -> None:
        self._timer.stop()
        self._files = {}
        self._rewatch()

    def pending(self) -> list[Path]:
        """Watched files whose content differs from when they were last accepted."""
        return [path for path, seen in self._files.items() if _fingerprint(path) != seen]

    def _rewatch(self) -> None:
        wanted = {str(p) for p in self._files if p.exists()}
        wanted |= {str(p.parent) for p in self._files if p.parent.is_dir()}
        current = set(self._watcher.files()) | set(self._watcher.directories())
        if current - wanted:
            self._watcher.removePaths(sorted(current - wanted))
        if wanted - current:
            self._watcher.addPaths(sorted(wanted - current))

    def _poke(self, _path: str) -> None:
        self._rewatch()  # a replaced file left the watch list: take the new one
        self._timer.start()

    def _settle(self) -> None:
        self._rewatch()
        changed = self.pending()
        if changed:
            self.changed.emit(changed)
