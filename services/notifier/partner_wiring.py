"""Wiring of the media-partner register: its repository, admin API and public proof page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter

from services.notifier.partner_api import build_partner_router
from services.notifier.partner_proofs import build_proof_router
from services.notifier.partner_repository import PartnerRepository
from shared.mongo import Database
from shared.settings import Settings


@dataclass
class PartnerWiring:
    repository: PartnerRepository
    routers: list[APIRouter]
    on_start: list[Callable[[], Awaitable[None]]]


def build_partners(db: Database, settings: Settings) -> PartnerWiring:
    partners = PartnerRepository(db)
    return PartnerWiring(partners, [build_partner_router(settings, partners),
                                    build_proof_router(settings, partners)],
                         [partners.ensure_indexes])
