"""OPD user tokens never cross with editors' JWTs; photos' captions; link lifetimes in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.opd_user_domain import OpdUser, valid_for_text
from services.ingest.opd_user_tokens import decode_opd_token, issue_opd_token
from services.ingest.photos import attachment_ids, captioned, shown
from shared.auth import Principal, decode_token, issue_token
from shared.errors import ApiError
from shared.events.common import AttachmentRef, OpdRef
from shared.settings import Settings

SETTINGS = Settings(env="development")
USER = OpdUser(username="sari", opd_id="o1", opd=OpdRef(
    id="o1", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
    timezone="Asia/Makassar"), name="Sari", email="sari@x.go.id", active=True,
    password_hash=None, password_version=3, created_at=datetime.now(UTC))


def test_an_opd_token_is_no_editor_token_and_an_editor_token_no_opd_token() -> None:
    opd_token, ttl = issue_opd_token(SETTINGS, USER, timedelta(hours=8))
    assert ttl == 8 * 3600
    claims = decode_opd_token(SETTINGS, opd_token)
    assert claims is not None and (claims.username, claims.password_version) == ("sari", 3)
    with pytest.raises(ApiError):
        decode_token(SETTINGS, opd_token)
    editor, _ = issue_token(SETTINGS, Principal(subject="sari", role="admin"))
    assert decode_opd_token(SETTINGS, editor) is None
    expired, _ = issue_opd_token(SETTINGS, USER, timedelta(seconds=-1))
    assert decode_opd_token(SETTINGS, expired) is None
    other = Settings(env="development", jwt_secret="another-secret-" + "x" * 32)
    assert decode_opd_token(other, opd_token) is None


@dataclass
class Photo:
    attachment_id: str
    caption: str | None = None
    credit: str | None = None


def test_photos_join_the_attachments_once_with_their_caption_and_credit() -> None:
    photos = [Photo("b", " Warga antre ", "Humas"), Photo("a", "", "  ")]
    assert attachment_ids(["a"], photos) == ["a", "b"]
    refs = [AttachmentRef(id=i, url=f"/files/{i}", content_type="image/jpeg", size=1,
                          sha256="0") for i in ("a", "b")]
    done = captioned(refs, photos)
    assert [(r.caption, r.credit) for r in done] == [(None, None), ("Warga antre", "Humas")]
    assert shown([r.model_dump() for r in done]) == [
        {"attachment_id": "b", "caption": "Warga antre", "credit": "Humas"}]


def test_link_lifetimes_read_in_indonesian() -> None:
    assert valid_for_text(timedelta(minutes=30)) == "30 menit"
    assert valid_for_text(timedelta(hours=72)) == "72 jam"
    assert valid_for_text(timedelta(minutes=90)) == "90 menit"
