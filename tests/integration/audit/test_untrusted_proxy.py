"""An untrusted peer's X-Forwarded-For is ignored: the audit keeps the peer's own address.

Its own module: editorial apps of one test session share a consumer group, so the other audit
module's editorial must have stopped before this one's reads the audit stream.
"""

from __future__ import annotations

from tests.conftest import Infra
from tests.integration.audit.support import CHIEF, awaited
from tests.integration.audit.test_editorial_audit import AGENT, via_proxy
from tests.integration.editorial.desk_support import desk


def test_an_untrusted_peers_forwarded_for_is_ignored(real_infra: Infra) -> None:
    with desk(real_infra, trusted_proxies="192.0.2.1") as office:  # loopback is not the proxy
        article = office.seed()
        claimed = via_proxy(office, CHIEF, "POST", f"/v1/articles/{article}/claim")
        assert claimed.status_code == 200, claimed.text
        record = awaited(office, "article.claim", article_id=article)
        assert record["client_ip"] == "127.0.0.1"
        assert record["user_agent"] == AGENT
