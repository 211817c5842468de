"""Compiled templates kept in the instance folder (template-cache/, private to the app's user),
so a new process serves its first pages without compiling them again: Jinja checks each file's
source against what was compiled, so an edited template is compiled afresh."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import FileSystemBytecodeCache


class InstanceBytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache in the app's instance folder, looked up when first used (tests give
    each app an instance folder of its own after create_app)."""

    def __init__(self, app: Flask) -> None:  # no super().__init__: the folder is found later
        self.app = app
        self.pattern = "__jinja2_%s.cache"

    @property  # read-only here: found from the app
    def directory(self) -> str:  # type: ignore[override]
        folder = Path(self.app.instance_path) / "template-cache"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return str(folder)


def init_app(app: Flask) -> None:
    app.jinja_env.bytecode_cache = InstanceBytecodeCache(app)
