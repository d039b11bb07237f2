"""Course package -> zip (deterministic: same content, same bytes)."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping

from content.loader import dump_package
from content.spec import CourseSpec

__all__ = ["package_zip", "package_folder_name"]

_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip cannot store earlier dates; fixed so exports are reproducible


def package_folder_name(spec: CourseSpec) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", spec.code.lower()).strip("-") or "course"


def package_zip(spec: CourseSpec, images: Mapping[str, bytes] | None = None, *, folder: str | None = None) -> bytes:
    """A zip of the package folder: `folder/course.toml`, `folder/lessons/...`,
    `folder/quiz.toml`, and `folder/images/<name>` for each image given."""
    files = dict(dump_package(spec))
    for path, data in (images or {}).items():
        if not path.startswith("images/") or "/" in path[len("images/"):] or ".." in path:
            raise ValueError(f"bad image path {path!r}")
        files[path] = data
    top = folder or package_folder_name(spec)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{path}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()
