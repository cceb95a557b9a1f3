"""The first-run flow in a real browser: register, generate, watch, history, download."""

from __future__ import annotations

import io
import re

import httpx

from tests.conftest import LIVE_ROOT
from tests.ui.browser import DESKTOP, PHONE, registered_page, snap, stored_token


def _inside(box: dict, viewport: dict) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def _visible_picture(page, selector: str) -> bool:
    """An image in `selector` is on screen, not covered by anything, and not blank."""
    from PIL import Image, ImageStat

    picture = page.locator(f"{selector} img").first
    if not picture.is_visible():
        return False
    on_top = page.evaluate(
        """(sel) => { const img = document.querySelector(sel + ' img');
        const r = img.getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return top === img; }""",
        selector,
    )
    shot = Image.open(io.BytesIO(picture.screenshot())).convert("L")
    return bool(on_top) and ImageStat.Stat(shot).stddev[0] > 5


def test_first_screen_live_preview_and_history_cards(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "browser", DESKTOP)
    notice = page.locator("#tiny-notice")
    expect(notice).to_contain_text("Test model in use")
    assert "/" not in notice.inner_text().replace("README →", "")  # no server path
    prompt = page.get_by_label("Prompt", exact=True)
    run = page.locator("#image_generation-run")
    expect(run).to_have_text("Generate · 2 credits")
    for part in (prompt, run, page.locator("#image_generation-result")):
        assert _inside(part.bounding_box(), DESKTOP)  # form, button and result on one screen
    snap(page, "image-generation-desktop")

    prompt.fill("a red fox in the snow")
    page.get_by_text("Advanced settings").click()
    steps = page.locator("#image_generation-steps input[type=number]")
    steps.fill("16")
    steps.blur()
    run.click()
    status = page.locator("#image_generation-status")
    expect(status).to_contain_text(re.compile(r"\d+% · .+ · \d+ s elapsed"), timeout=20_000)
    saw_preview = False
    for _ in range(600):  # the preview must be on screen while the job still runs
        if "Done in" in status.inner_text():
            break
        if _visible_picture(page, "#image_generation-result"):
            saw_preview = "Done in" not in status.inner_text()
            if saw_preview:
                snap(page, "image-generation-live-preview")
                break
        page.wait_for_timeout(200)
    assert saw_preview, "no live preview was visible before the job ended"
    expect(status).to_contain_text(re.compile(r"Done in [\d.]+ s"), timeout=120_000)
    expect(badge).to_contain_text("48 credits")
    expect(page.locator('a[download="image_1.png"]').first).to_be_visible()

    page.reload(wait_until="load")  # the login survives a reload (BrowserState)
    expect(badge).to_contain_text("48 credits", timeout=20_000)
    page.locator("#menu-history").click()  # the account menu's History
    cards = page.locator(".history-card")
    expect(cards).to_have_count(1, timeout=20_000)
    first = cards.first
    expect(first).to_contain_text("Image generation")
    expect(first).to_contain_text("a red fox in the snow")
    expect(first).to_contain_text("completed")
    expect(first).to_contain_text("2 credits")
    expect(first.locator("img").first).to_be_visible()

    first.get_by_role("button", name="Re-run").click()
    expect(cards).to_have_count(2, timeout=20_000)
    expect(badge).to_contain_text("46 credits", timeout=20_000)
    # No click from here on: the running card updates by itself until it completes.
    expect(cards.filter(has_text="completed")).to_have_count(2, timeout=180_000)
    snap(page, "history-cards-desktop")

    cards.first.get_by_role("button", name="Re-run").click()
    expect(cards).to_have_count(3, timeout=20_000)
    cards.first.get_by_role("button", name="Cancel").click()
    expect(cards.first).to_contain_text("cancelled", timeout=120_000)
    expect(cards.first).to_contain_text("0 credits (2 refunded)")
    expect(badge).to_contain_text("46 credits", timeout=20_000)

    page.get_by_role("button", name="Credit transactions").click()
    expect(page.get_by_role("gridcell", name="signup bonus")).to_be_visible()
    expect(
        page.get_by_role("gridcell", name="Refund: Image generation job cancelled")
    ).to_be_visible()

    cards.last.get_by_role("button", name="Open").click()
    link = page.locator('#job-detail a[download="image_1.png"]')
    expect(link).to_be_visible(timeout=20_000)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "image_1.png"
    download.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    cards.last.get_by_role("button", name="Remix").click()
    expect(prompt).to_have_value("a red fox in the snow")
    expect(page.get_by_role("tab", name="Image generation", selected=True)).to_be_visible()

    page.locator("#menu-buy").click()  # no Stripe keys in tests
    expect(page.get_by_text("Payments are not configured").first).to_be_visible()


def test_phone_every_tab_reachable_cards_stacked_no_sideways_scroll(browser, live_server):
    from playwright.sync_api import expect

    from pipelines.registry import FEATURES

    page, badge = registered_page(browser, live_server, "phone", PHONE)
    token = stored_token(page, LIVE_ROOT[live_server] / "data")
    job = httpx.post(
        f"{live_server}/api/v1/jobs/image-generation",
        json={"prompt": "a lighthouse at dusk", "steps": 2},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert job.status_code == 202, job.text

    def sideways() -> int:
        return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")

    titles = [f.title for f in FEATURES.values()] + ["History", "Buy credits", "Account"]
    for title in titles:
        tab = page.get_by_role("tab", name=title, exact=True)
        expect(tab).to_be_visible()  # no "•••" menu: every tab's name is on screen
        assert _inside(tab.bounding_box(), PHONE | {"height": 10_000})
        tab.click()
        page.wait_for_timeout(300)
        assert sideways() <= 0, f"the {title} tab scrolls sideways"
    snap(page, "account-phone")
    page.get_by_role("tab", name="Image generation").click()
    snap(page, "image-generation-phone")
    page.get_by_role("tab", name="History").click()
    card = page.locator(".history-card").first
    expect(card).to_contain_text("completed", timeout=120_000)
    box = card.bounding_box()
    assert box["width"] > PHONE["width"] * 0.8  # stacked: one card per row
    assert sideways() <= 0
    expect(badge).to_be_visible()
    snap(page, "history-phone")


def test_a_refused_field_shows_its_label_under_it_and_charges_nothing(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "refused", DESKTOP)
    page.get_by_role("tab", name="Cloth swap").click()
    page.locator("#cloth_swap-run").click()
    message = page.locator("#cloth_swap-person-error")
    expect(message).to_contain_text("Person photo is required", timeout=10_000)
    expect(page.locator("#cloth_swap-status")).to_contain_text("Person photo is required")
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)  # no overlay
    expect(page.locator("#cloth_swap-person input[type=file]")).to_be_attached()
    expect(badge).to_contain_text("50 credits")
    snap(page, "cloth-swap-refused-field")
    page.reload(wait_until="load")
    page.get_by_role("tab", name="Cloth swap").click()
    expect(page.locator("#cloth_swap-person-error")).to_be_hidden()


def test_cloth_swap_in_the_browser(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    from tests.samples import draw_tshirt, skimage_photo

    page, badge = registered_page(browser, live_server, "swap")
    page.get_by_role("tab", name="Cloth swap").click()
    person = page.locator("#cloth_swap-person input[type=file]")
    person.set_input_files(str(skimage_photo("astronaut.png")))
    page.locator("#cloth_swap-cloth input[type=file]").set_input_files(
        str(draw_tshirt(tmp_path / "tee.png"))
    )
    expect(page.locator("#cloth_swap-cloth img")).to_be_visible(timeout=20_000)
    expect(page.locator("#cloth_swap-run")).to_have_text("Generate · 3 credits")
    page.locator("#cloth_swap-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=120_000)
    expect(badge).to_contain_text("47 credits")
    expect(page.locator('a[download="alignment.png"]').first).to_be_visible()
    gallery = page.locator("#cloth_swap-result")
    expect(gallery.get_by_text("Alignment: person blue").first).to_be_attached()  # the legend
    snap(page, "cloth-swap-desktop")


def test_story_video_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "story")
    page.get_by_role("tab", name="Story video").click()
    page.locator("#story_video-script textarea").fill(
        "The train left the city at midnight. By morning it reached the sea."
    )
    expect(page.locator("#story_video-run")).to_have_text("Generate · 10 credits")
    page.locator("#story_video-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=300_000)
    expect(badge).to_contain_text("40 credits")
    expect(page.locator("#story_video-result video").first).to_be_visible()
    # The subtitles are burned into the picture: no second (caption) track on top.
    expect(page.locator("#story_video-result video track[src]")).to_have_count(0)
    expect(page.locator('a[download="story.mp4"]').first).to_be_visible()
    expect(page.locator('a[download="story.srt"]').first).to_be_visible()
    snap(page, "story-video-desktop")
