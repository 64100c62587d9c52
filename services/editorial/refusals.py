"""Editorial's domain refusals as clear JSON errors (Indonesian messages, English codes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from services.editorial.approval import ChannelsRefuse, OpdRequestPending, SecondEyesRequired
from services.editorial.claims import ClaimHeld, ClaimRequired
from services.editorial.content_handlers import VersionNotFound
from services.editorial.domain import DecisionRefused, UnknownPhoto
from services.editorial.handlers import ArticleNotFound, VersionConflict
from shared.errors import ApiError
from shared.logging import correlation_id


@asynccontextmanager
async def refusals(article_id: str) -> AsyncIterator[None]:
    """Domain refusals become clear HTTP errors; the correlation id is the report id."""
    token = correlation_id.set(article_id)
    try:
        yield
    except ArticleNotFound as exc:
        raise ApiError(404, "not_found", f"Artikel {article_id} tidak ada.") from exc
    except VersionNotFound as exc:
        raise ApiError(404, "version_not_found",
                       f"Artikel {article_id} tidak memiliki versi {exc.args[0]}.") from exc
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", "Artikel berubah sejak Anda memuatnya; muat "
                       "ulang lalu terapkan perubahan Anda lagi.",
                       {"current_version": exc.args[0]}) from exc
    except ClaimHeld as exc:
        claim = exc.claim
        raise ApiError(409, "claim_held", (
            f"Artikel sedang dipegang oleh {claim.by} sampai {claim.until:%Y-%m-%d %H:%M} UTC; "
            "Anda dapat membaca dan berkomentar, tetapi tidak mengubah atau memutuskannya."),
            {"holder": claim.by, "until": claim.until.isoformat()}) from exc
    except ClaimRequired as exc:
        raise ApiError(409, "claim_required", "Klaim artikel ini dulu (POST .../claim) "
                       "sebelum mengubahnya.") from exc
    except SecondEyesRequired as exc:
        raise ApiError(409, "second_eyes_required", (
            f"{exc.who} adalah yang terakhir mengubah isi artikel ini, jadi tidak dapat "
            "menyetujuinya sendiri: minta redaktur pelaksana lain, atau beri override_reason."),
            {"last_changed_by": exc.who}) from exc
    except OpdRequestPending as exc:
        what = "perubahan" if exc.kind == "amend" else "penarikan"
        raise ApiError(409, "opd_request_pending", (
            f"OPD mengirim permintaan {what} yang belum diputuskan: terima atau tolak dulu "
            "(POST .../opd-request/accept atau /decline), baru setujui."),
            {"kind": exc.kind}) from exc
    except ChannelsRefuse as exc:
        problems = [asdict(p) for p in exc.problems]
        message = " ".join(p.message for p in exc.problems)
        raise ApiError(422, "channel_limits", f"Artikel belum dapat disetujui: {message}",
                       problems) from exc
    except UnknownPhoto as exc:
        raise ApiError(422, "unknown_photo",
                       f"Foto {exc.args[0]} bukan lampiran artikel ini.") from exc
    except DecisionRefused as exc:
        raise ApiError(409, "invalid_state", str(exc)) from exc
    finally:
        correlation_id.reset(token)
