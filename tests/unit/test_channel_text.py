"""Channel limits, X's weighted count and the default text: it always fits, never cuts the link."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import channel_text as ct
from shared.vocabulary import CHANNELS

LINK = "https://warta.example.go.id/berita/01JD8Q3ZP6V7"
SOCIAL = sorted(ct.LIMITS)


def test_limits_are_keyed_by_the_vocabulary_channel_names() -> None:
    assert set(ct.LIMITS) == {"telegram", "instagram", "x", "facebook"}
    assert set(ct.LIMITS) <= set(CHANNELS)


def test_telegram_caption_limit_with_media_and_text_limit_without() -> None:
    limits = ct.LIMITS["telegram"]
    assert limits.text_limit(1) == 1024
    assert limits.text_limit(0) == 4096


def test_x_counts_every_url_as_23_whatever_its_length() -> None:
    short, long = "https://t.co/a", "https://warta.example.go.id/" + "a" * 200
    assert ct.count("x", short) == 23
    assert ct.count("x", long) == 23
    assert ct.count("x", f"Baca {long}") == 5 + 23


def test_x_counts_emoji_cjk_and_ellipsis_as_two() -> None:
    assert ct.count("x", "abc") == 3
    assert ct.count("x", "👍🏽") == 2
    assert ct.count("x", "👨‍👩‍👧") == 2
    assert ct.count("x", "日本") == 4
    assert ct.count("x", "…") == 2


def test_telegram_counts_utf16_units_never_fewer_than_telegram() -> None:
    assert ct.count("telegram", "abc") == 3
    assert ct.count("telegram", "😀") == 2


def test_default_text_has_headline_summary_link_and_hashtags() -> None:
    text = ct.default_text("telegram", headline="Puskesmas Baru Diresmikan",
                           summary="Wali kota meresmikan puskesmas.", link=LINK,
                           tags=["kesehatan", "pelayanan publik", "kesehatan", "2026"])
    assert text == ("Puskesmas Baru Diresmikan\n\nWali kota meresmikan puskesmas.\n\n"
                    f"{LINK}\n\n#Kesehatan #PelayananPublik")


def test_default_text_cuts_summary_before_hashtags_and_never_the_link() -> None:
    text = ct.default_text("x", headline="Judul", summary="kata " * 100, link=LINK,
                           tags=["banjir", "bantuan sosial"])
    assert ct.count("x", text) <= 280
    assert LINK in text
    assert text.endswith("#Banjir #BantuanSosial")
    assert "…" in text


def test_default_text_cuts_the_headline_last_with_an_ellipsis() -> None:
    text = ct.default_text("x", headline="Panjang " * 80, summary="ringkasan", link=LINK,
                           tags=["a" * 300])
    assert ct.count("x", text) <= 280
    assert text.endswith(LINK)
    assert text.split("\n\n")[0].endswith("…")


def test_default_text_uses_the_body_when_there_is_no_summary() -> None:
    text = ct.default_text("facebook", headline="Judul", summary=None, link=LINK, tags=[],
                           body_html="<p>Isi <b>berita</b> pertama.</p><p>Kedua.</p>")
    assert text == f"Judul\n\nIsi berita pertama. Kedua.\n\n{LINK}"


def test_default_text_keeps_only_thirty_hashtags_on_instagram() -> None:
    text = ct.default_text("instagram", headline="J", summary=None, link=LINK,
                           tags=[f"tag{i}" for i in range(40)], image_count=1)
    assert text.count("#") == 30
    assert ct.check("instagram", text=text, image_count=1) == []


def test_outgoing_text_prefers_the_editors_text() -> None:
    common = {"headline": "Judul", "summary": None, "link": LINK, "tags": [], "image_count": 0}
    assert ct.outgoing_text("x", channel_texts={"x": "Teks X"}, **common) == "Teks X"
    assert ct.outgoing_text("x", channel_texts={"telegram": "T", "x": "  "},
                            **common) == f"Judul\n\n{LINK}"


def test_check_names_channel_count_and_limit_in_indonesian() -> None:
    [problem] = ct.check("x", text="a" * 281, image_count=0)
    assert (problem.channel, problem.code, problem.count, problem.limit) == (
        "x", "text_too_long", 281, 280)
    assert "terlalu panjang" in problem.message and "280" in problem.message
    [caption] = ct.check("telegram", text="a" * 1025, image_count=1)
    assert caption.limit == 1024 and caption.message.startswith("Keterangan foto")
    assert ct.check("telegram", text="a" * 1025, image_count=0) == []


def test_check_instagram_needs_an_image_and_a_jpeg() -> None:
    codes = [p.code for p in ct.check("instagram", text="teks", image_count=0)]
    assert codes == ["too_few_images"]
    codes = [p.code for p in ct.check("instagram", text="teks", image_count=2, jpeg_count=0)]
    assert codes == ["no_jpeg"]
    many = " ".join(f"#t{i}" for i in range(31))
    assert [p.code for p in ct.check("instagram", text=many, image_count=1)] == [
        "too_many_hashtags"]


def test_check_text_only_post_needs_text_and_other_channels_pass() -> None:
    assert [p.code for p in ct.check("telegram", text=" ", image_count=0)] == ["text_empty"]
    assert ct.check("website", text="x" * 100_000, image_count=0) == []


def test_more_photos_than_a_channel_takes_use_the_first_ones() -> None:
    assert ct.images_used("x", 7) == 4
    assert ct.check("x", text="teks", image_count=7) == []


def test_render_telegram_keeps_its_tags_and_escapes_the_rest() -> None:
    html = ('<p>Halo <strong>warga</strong> &amp; <em>tamu</em> 1 &lt; 2</p>'
            '<ul><li>satu</li><li>dua</li></ul><h2>Bagian</h2>'
            '<blockquote>kutip <blockquote>dalam</blockquote></blockquote>'
            '<p><a href="https://a.example/?x=1&amp;y=2">tautan</a> <a href="http://b">b</a>'
            '<table><tr><td>sel</td></tr></table></p>')
    assert ct.render("telegram", html) == (
        "Halo <b>warga</b> &amp; <i>tamu</i> 1 &lt; 2\n\n• satu\n• dua\n\n<b>Bagian</b>\n\n"
        "<blockquote>kutip\ndalam</blockquote>\n\n"
        '<a href="https://a.example/?x=1&amp;y=2">tautan</a> b\n\nsel')


def test_render_telegram_closes_what_it_opened() -> None:
    assert ct.render("telegram", "<b>tebal <i>miring") == "<b>tebal <i>miring</i></b>"
    assert ct.render("telegram", "a <unknown>x</unknown> <b>b</b>") == "a x <b>b</b>"


def test_render_plain_text_for_the_other_channels() -> None:
    html = "<p>Halo <b>warga</b> &amp; tamu</p><ul><li>satu</li></ul>"
    for channel in ("x", "facebook", "instagram"):
        text = ct.render(channel, html)
        assert "<" not in text and "Halo warga & tamu" in text and "satu" in text


_unicode = st.text(st.characters(codec="utf-8"), max_size=3000)
_emoji = st.sampled_from(["👍🏽", "👨‍👩‍👧", "🇮🇩", "…", "日本語", "https://x.example/a",
                          "www.warta.go.id/p", "#tag", "\n", " "])
_mixed = st.lists(st.one_of(_unicode, _emoji), max_size=30).map("".join)
_links = st.sampled_from([LINK, "http://127.0.0.1:8702/berita/01JD8Q3ZP6V7" + "x" * 80,
                          "https://a.id/b"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(channel=st.sampled_from(SOCIAL), headline=_mixed, summary=st.none() | _mixed,
       tags=st.lists(_mixed, max_size=40), link=_links, images=st.integers(0, 12))
def test_default_text_always_fits_and_keeps_the_link(*,
        channel: str, headline: str, summary: str | None, tags: list[str], link: str,
        images: int) -> None:
    text = ct.default_text(channel, headline=headline, summary=summary, link=link, tags=tags,
                           image_count=images)
    limit = ct.LIMITS[channel].text_limit(ct.images_used(channel, images))
    assert ct.count(channel, text) <= limit
    assert link in text
    problems = ct.check(channel, text=text, image_count=images, jpeg_count=1)
    assert [p for p in problems if p.code == "text_too_long"] == []


_tags = st.sampled_from(["p", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "h2", "h3",
                         "blockquote", "br", "table", "tr", "td", "figure", "figcaption", "hr"])
_pieces = st.one_of(
    _unicode.map(lambda t: t[:40]), st.sampled_from(["<", ">", "&", "&amp;", "&lt;", "\"", "'"]),
    _tags.map(lambda t: f"<{t}>"), _tags.map(lambda t: f"</{t}>"),
    st.sampled_from(['<a href="https://a.id/?x=1&y=2">', '<a href="http://b.id">', "<a>"]))


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(_pieces, max_size=40).map("".join))
def test_render_telegram_output_always_parses_as_telegram_html(raw: str) -> None:
    """Whatever the sanitized body holds, Telegram's own parser (the stand-in's) accepts the
    rendering, and it shows the same text as the plain rendering, give or take spacing."""
    from sandbox.telegram_entities import parse_html
    from shared.html import sanitize

    rendered = ct.render("telegram", sanitize(raw))
    visible, _ = parse_html(rendered)
    squash = "".join(ct.render("x", sanitize(raw)).split()).replace("•", "").replace("*", "")
    assert "".join(visible.split()).replace("•", "").replace("*", "") == squash
