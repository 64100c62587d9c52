"""What the preferences page offers: every box a journalist's choice needs, one per region."""

from __future__ import annotations

from services.notifier.preferences_page import form_to_preferences, offered_opds, offered_regions


def test_a_followed_opd_not_known_here_keeps_its_ticked_box() -> None:
    known = [("opd-a", "Dinas A"), ("opd-b", "Dinas B")]
    assert offered_opds(known, ["opd-b", "opd-x"]) == [
        ("opd-a", "Dinas A", False), ("opd-b", "Dinas B", True), ("opd-x", "opd-x", True)]
    assert offered_opds([], ["opd-x"]) == [("opd-x", "opd-x", True)]


def test_regions_get_one_box_per_key_in_the_registers_spelling() -> None:
    offered = offered_regions(["Kota Bandung", "Kota Bogor"], ["kota  bandung", "Kabupaten Garut"])
    assert offered == [("Kabupaten Garut", True), ("Kota Bandung", True), ("Kota Bogor", False)]


def test_the_form_reads_check_boxes_lists_and_a_missing_hour_as_invalid() -> None:
    body = form_to_preferences({"channels": ["email"], "categories": [" kesehatan , ,Pendidikan"],
                                "delivery_mode": ["daily"]})
    assert body["channels"] == {"email": True, "whatsapp": False, "telegram": False,
                                "webhook": False}
    assert body["categories"] == ["kesehatan", "Pendidikan"]
    assert body["delivery"]["hour"] == -1 and "quiet_hours" not in body
