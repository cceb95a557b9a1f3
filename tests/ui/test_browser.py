"""The first-run flow in a real browser: register, generate, watch, history, download."""

from __future__ import annotations

import re

from tests.ui.browser import registered_page


def test_register_generate_and_find_it_in_history(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "browser")
    expect(page.get_by_text("Test model in use")).to_be_visible()

    page.get_by_label("Prompt", exact=True).fill("a red fox in the snow")
    page.get_by_role("button", name="Generate").first.click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=120_000)
    expect(badge).to_contain_text("48 credits")
    expect(page.locator('a[download="image_1.png"]').first).to_be_visible()

    page.reload(wait_until="load")  # the login survives a reload (BrowserState)
    expect(badge).to_contain_text("48 credits", timeout=20_000)
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_role("gridcell", name="completed")).to_be_visible(timeout=20_000)
    page.get_by_role("gridcell", name="Image generation").click()  # select the row
    expect(page.get_by_label("Job id")).not_to_have_value("", timeout=10_000)
    page.get_by_role("button", name="Open", exact=True).click()
    link = page.locator('a[download="image_1.png"]').last
    expect(link).to_be_visible(timeout=20_000)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "image_1.png"
    download.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.get_by_role("button", name="Credit transactions").click()
    expect(page.get_by_role("gridcell", name="signup bonus")).to_be_visible()
    expect(page.get_by_role("gridcell", name="-2", exact=True)).to_be_visible()

    page.get_by_role("button", name="Re-run with the same settings").click()
    expect(page.get_by_text(re.compile(r"Re-run queued as job"))).to_be_visible(timeout=20_000)
    expect(badge).to_contain_text("46 credits", timeout=20_000)
    expect(page.get_by_role("gridcell", name="Image generation", exact=True)).to_have_count(2)
    for _ in range(120):  # the history table refreshes on demand
        if page.get_by_role("gridcell", name="completed").count() == 2:
            break
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Open", exact=True).click()  # the new job is selected
    expect(page.get_by_text("prompt='a red fox in the snow'")).to_be_visible(timeout=20_000)

    page.get_by_role("button", name="Remix: open its settings in the form").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a red fox in the snow")

    page.get_by_role("tab", name="Buy credits").click()  # no Stripe keys in tests
    expect(page.get_by_text("Payments are not configured").first).to_be_visible()


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
    expect(page.get_by_text("Cost: 3 credits")).to_be_visible()
    page.locator("#cloth_swap-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=120_000)
    expect(badge).to_contain_text("47 credits")
    expect(page.locator('a[download="alignment.png"]').first).to_be_visible()


def test_story_video_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "story")
    page.get_by_role("tab", name="Story video").click()
    page.locator("#story_video-script textarea").fill(
        "The train left the city at midnight. By morning it reached the sea."
    )
    expect(page.get_by_text("Cost: 10 credits")).to_be_visible()
    page.locator("#story_video-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=300_000)
    expect(badge).to_contain_text("40 credits")
    expect(page.locator("video").first).to_be_visible()
    expect(page.locator('a[download="story.mp4"]').first).to_be_visible()
