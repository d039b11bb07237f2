"""Image uploads: PNG, JPEG, GIF and WebP only, judged by their bytes.

A file is accepted when its signature (magic bytes) is one of the four
formats, its name's extension agrees with that signature, its structure ends
where the format says it ends (no trailing bytes where a second document could
hide), and it holds no markup that a browser sniffing it could run (polyglots
such as a GIF header followed by HTML or script). It is stored under a random
name in the instance folder (never under static/) and served with nosniff.
No Flask here: the caller passes the media folder."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lms.media.models import MediaFile
from lms.msgids import N_

MAX_IMAGE_BYTES = 5 * 1024 * 1024
NAME_RE = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|webp)$")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
EXTENSIONS = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".gif": "gif", ".webp": "webp"}
# Byte sequences that make a browser (or a sniffing proxy) treat a file as a document.
_MARKUP = re.compile(rb"<\s*(?:script|html|body|svg|iframe|object|embed|!doctype|\?xml|meta|img|a\s|div|style|head)"
                     rb"|javascript:|<\?php", re.IGNORECASE)


class MediaRefused(ValueError):
    """The file is not an acceptable image; str() is a translatable msgid,
    `params` fill its placeholders."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.params = params


@dataclass(frozen=True)
class Checked:
    kind: str  # png | jpg | gif | webp
    content_type: str
    sha256: str


def _png_ok(data: bytes) -> bool:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    pos, seen_ihdr = 8, False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return False
        if not seen_ihdr and ctype != b"IHDR":
            return False
        seen_ihdr = True
        if ctype == b"IEND":
            return end == len(data)
        pos = end
    return False


def _jpeg_ok(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _gif_ok(data: bytes) -> bool:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 14 or not data.endswith(b"\x3b"):
        return False
    packed = data[10]
    position = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
    # After the screen descriptor (and colour table) comes an image, an extension or the trailer;
    # GIF/JavaScript polyglots put "*/=..." here instead.
    return position < len(data) and data[position] in (0x21, 0x2C, 0x3B)


def _webp_ok(data: bytes) -> bool:
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    declared = struct.unpack("<I", data[4:8])[0]
    return declared + 8 == len(data) and data[12:16] in (b"VP8 ", b"VP8L", b"VP8X")


_SIGNATURES = (("png", b"\x89PNG", _png_ok), ("jpg", b"\xff\xd8\xff", _jpeg_ok), ("gif", b"GIF8", _gif_ok),
               ("webp", b"RIFF", _webp_ok))


def check_image(data: bytes, filename: str) -> Checked:
    """Raise MediaRefused unless `data` is a PNG, JPEG, GIF or WebP image whose
    name agrees with its content."""
    name = (filename or "").strip()
    if not name or "/" in name or "\\" in name or "\x00" in name or name.startswith(".") or ".." in name:
        raise MediaRefused(N_("The file name %(name)s is not allowed: use a plain name such as chart.png."),
                           name=name[:80])
    extension = os.path.splitext(name)[1].lower()
    if extension in (".svg", ".svgz"):
        raise MediaRefused(N_("SVG images are refused: they can carry scripts. Export the drawing as PNG."))
    if extension not in EXTENSIONS:
        raise MediaRefused(N_("Only PNG, JPEG, GIF and WebP images can be uploaded (this file is %(ext)s)."),
                           ext=extension or "?")
    if not data:
        raise MediaRefused(N_("The file is empty."))
    if len(data) > MAX_IMAGE_BYTES:
        raise MediaRefused(N_("The image is larger than 5 MB; make it smaller and upload it again."))
    kind = next((k for k, magic, _ok in _SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        raise MediaRefused(N_("This file is not a PNG, JPEG, GIF or WebP image, whatever its name says."))
    if EXTENSIONS[extension] != kind:
        raise MediaRefused(N_("The file name says %(ext)s but the content is %(kind)s; rename it or convert it."),
                           ext=extension, kind=kind.upper())
    checker = next(ok for k, _m, ok in _SIGNATURES if k == kind)
    if not checker(data):
        raise MediaRefused(N_("The image is damaged or has extra data after its end; save it again as a plain image."))
    if _MARKUP.search(data):
        raise MediaRefused(N_("The image also contains web page or script code and is refused."))
    return Checked(kind, CONTENT_TYPES[kind], hashlib.sha256(data).hexdigest())


def media_folder_of(config: dict, instance_path: str) -> str:
    """MEDIA_FOLDER from the configuration (tests), else instance/media."""
    return str(config.get("MEDIA_FOLDER") or os.path.join(instance_path, "media"))


def media_path(folder: str | Path, name: str) -> Path | None:
    """Where a stored image is, or None for a name that is not ours."""
    if not NAME_RE.fullmatch(name):
        return None
    return Path(folder) / name


def _write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    with open(temp, "xb") as handle:
        handle.write(data)
    os.replace(temp, folder / name)


# session.info key: the files this transaction wrote under names it drew at
# random. Until the transaction commits no row points at them, so if it ends
# any other way (rollback, failed commit, a closed session) they are removed.
# A name brought back from a package is never removed: another transaction
# may hold the same file.
_WRITTEN = "lms_media_written"


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_unclaimed_files(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: after_commit has already claimed a committed one
        for path in session.info.pop(_WRITTEN, ()):
            path.unlink(missing_ok=True)


def store_image(session: Session, folder: str | Path, *, data: bytes, filename: str, now: datetime,
                user_id: int | None = None, course_id: int | None = None, name: str | None = None) -> MediaFile:
    """Check and store an image under a random name (or `name`, when an
    exported package brings back one of ours). Nothing is written if refused;
    a file under a random name is removed again unless the transaction commits."""
    checked = check_image(data, filename)
    if name is not None:
        existing = session.scalar(select(MediaFile).where(MediaFile.name == name))
        if existing is not None:
            if existing.sha256 != checked.sha256:
                raise MediaRefused(N_("Another image is already stored under the name %(name)s."), name=name)
            return existing
        if not NAME_RE.fullmatch(name) or not name.endswith("." + checked.kind):
            name = None
    fresh = name is None
    name = name or f"{secrets.token_hex(16)}.{checked.kind}"
    row = MediaFile(name=name, content_type=checked.content_type, size=len(data), sha256=checked.sha256,
                    original_name=os.path.basename(filename)[:200], course_id=course_id, uploaded_by_id=user_id,
                    uploaded_at=now)
    session.add(row)
    session.flush()
    _write(Path(folder), name, data)
    if fresh:
        session.info.setdefault(_WRITTEN, []).append(Path(folder) / name)
    return row


def images_of_course(session: Session, course_id: int) -> list[MediaFile]:
    return list(session.scalars(select(MediaFile).where(MediaFile.course_id == course_id)
                                .order_by(MediaFile.uploaded_at.desc(), MediaFile.id.desc())))


MEDIA_LINK_RE = re.compile(r"/media/([0-9a-f]{32}\.(?:png|jpg|gif|webp))")
