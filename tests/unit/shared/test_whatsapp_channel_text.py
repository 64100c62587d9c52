"""The WhatsApp Channel text: *bold* headline, summary, link and hashtags, plain text only."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from shared.whatsapp_channel_text import SUMMARY_WORDS, whatsapp_channel_text

LINK = "https://makassarkota.example/berita/a-1"


def test_the_text_is_a_bold_headline_the_summary_the_link_and_hashtags() -> None:
    text = whatsapp_channel_text(
        headline="  Uji coba jalur\nsepeda di Losari ", summary="Dinas Perhubungan menguji "
        "jalur sepeda.", link=LINK, tags=["sepeda", "kota makassar", "sepeda"])
    assert text == ("*Uji coba jalur sepeda di Losari*\n\n"
                    "Dinas Perhubungan menguji jalur sepeda.\n\n"
                    f"{LINK}\n\n#Sepeda #KotaMakassar")


def test_without_a_summary_the_start_of_the_body_is_plain_text() -> None:
    body = ("<p>Warga <b>antusias</b> &amp; senang.</p><script>alert(1)</script>"
            "<ul><li>satu</li></ul>")
    text = whatsapp_channel_text(headline="Judul", summary=None, link=LINK, tags=[],
                                 body_html=body)
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "*Judul*" and paragraphs[-1] == LINK
    assert "<" not in text and "&amp;" not in text and "alert" not in text
    assert paragraphs[1].startswith("Warga antusias & senang.")


def test_a_long_body_is_cut_at_a_word_with_an_ellipsis() -> None:
    body = "<p>" + " ".join(f"kata{n}" for n in range(200)) + "</p>"
    text = whatsapp_channel_text(headline="Judul", summary="", link=LINK, tags=[],
                                 body_html=body)
    summary = text.split("\n\n")[1]
    assert summary.endswith(f"kata{SUMMARY_WORDS - 1}…")
    assert len(summary.split(" ")) == SUMMARY_WORDS


@given(st.text(min_size=1, max_size=200), st.text(max_size=300))
def test_the_headline_is_always_one_bold_span(headline: str, summary: str) -> None:
    """A marker or a newline in the headline would end the bold early or show stray stars."""
    assume(any(ch.isalnum() for ch in headline))
    text = whatsapp_channel_text(headline=headline, summary=summary, link=LINK, tags=[])
    first = text.split("\n\n")[0]
    inner = first[1:-1]
    assert first.startswith("*") and first.endswith("*") and inner == inner.strip()
    assert any(ch.isalnum() for ch in inner) and not set(inner) & set("*_~`\n")
    assert LINK in text.split("\n\n")
