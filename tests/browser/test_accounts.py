"""Account pages in a real browser: sign up, confirm with the mailed code, sign out and in,
forgotten password, profile and API tokens; bad input is shown next to its field."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, Route, expect

from tests.browser.support import (
    Site,
    check_page,
    field_error,
    screenshot,
    sign_in,
    sign_up,
)
from tests.support.accounts import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

NEW_PASSWORD = "another long pass phrase"


async def test_a_new_user_signs_up_confirms_the_code_and_signs_out(page: Page, site: Site) -> None:
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in to Datadive")).to_be_visible()
    await check_page(page, "sign-in")

    await page.get_by_role("link", name="Create an account").click()
    await check_page(page, "sign-up")
    await page.get_by_label("First name").fill("Grace")
    await page.get_by_label("Username").fill("grace")
    await page.get_by_label("Email address").fill("grace@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()

    await expect(page).to_have_url(re.compile(r"/verify-email$"))
    await expect(page.get_by_text("grace@example.org").first).to_be_visible()
    await check_page(page, "verify-email")
    await page.get_by_label("Code from the email").fill(site.latest_code("grace@example.org"))
    await page.get_by_role("button", name="Confirm").click()

    await expect(page.locator("main .notice")).to_have_text("Your email address is confirmed.")
    await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    await expect(page.get_by_text("Signed in as")).to_contain_text("Grace")
    await check_page(page, "projects-empty")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("main .notice")).to_have_text("You are signed out.")
    await page.goto("/projects")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fprojects$"))


async def test_bad_sign_up_input_is_shown_next_to_each_field_and_kept(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "taken", verify=False)
    await page.context.clear_cookies()

    await page.goto("/sign-up")
    await page.get_by_label("First name").fill("Kept")
    await page.get_by_label("Username").fill("taken")
    # Both pass the browser's own checks; the server refuses them.
    await page.get_by_label("Email address").fill("someone@example")
    await page.get_by_label("Password").fill("password")
    await page.get_by_role("button", name="Create account").click()

    await expect(field_error(page, "username")).to_have_text(re.compile("already taken"))
    await expect(field_error(page, "email")).to_have_text(re.compile("not a valid email"))
    await expect(field_error(page, "password")).to_have_text(re.compile("most common passwords"))
    await expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("First name")).to_have_value("Kept")
    await expect(page.get_by_label("Username")).to_have_value("taken")
    await expect(page.get_by_label("Email address")).to_have_value("someone@example")
    await expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    # Keyboard users land on the first field to correct.
    await expect(page.get_by_label("Username")).to_be_focused()
    await check_page(page, "sign-up-errors")


async def test_sign_in_and_code_mistakes_are_explained(page: Page, site: Site) -> None:
    await sign_up(page, site, "mistaken", verify=False)
    await page.get_by_label("Code from the email").fill("00000000")
    await page.get_by_role("button", name="Confirm").click()
    await expect(field_error(page, "code")).to_have_text(re.compile("wrong or has expired"))
    await expect(page.get_by_label("Code from the email")).to_have_value("00000000")

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_label("Username or email").fill("mistaken")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert").filter(has_text="do not match")).to_be_visible()
    await expect(page.get_by_label("Username or email")).to_have_value("mistaken")
    await check_page(page, "sign-in-error")


async def test_signing_in_returns_to_the_page_asked_for_but_never_off_site(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "returner")
    await page.context.clear_cookies()

    await page.goto("/profile")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fprofile$"))
    await page.get_by_label("Username or email").fill("returner@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/profile$"))

    await page.context.clear_cookies()
    await page.goto("/sign-in?next=//evil.example/steal")
    await page.get_by_label("Username or email").fill("returner")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{site.url}/")


async def test_a_forgotten_password_is_reset_with_the_mailed_link(page: Page, site: Site) -> None:
    await sign_up(page, site, "forgetful")
    await page.get_by_role("button", name="Sign out").click()

    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email address").fill("forgetful@example")
    await page.get_by_role("button", name="Send the link").click()
    await expect(field_error(page, "email")).to_have_text(re.compile("not a valid email"))
    await page.get_by_label("Email address").fill("forgetful@example.org")
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.get_by_role("status").filter(has_text="on its way")).to_be_visible()
    await check_page(page, "forgot-password")

    token = site.latest_reset_token("forgetful@example.org")
    await page.goto(f"/reset-password#{token}")
    # The token came from the link: the field is filled, hidden, and gone from the address.
    await expect(page.get_by_label("Reset code from the email")).to_be_hidden()
    await expect(page).to_have_url(re.compile(r"/reset-password$"))
    await page.locator("#password").fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill("something else entirely")
    await page.get_by_role("button", name="Change password").click()
    await expect(field_error(page, "password_again")).to_have_text(re.compile("does not match"))
    await expect(page.get_by_label("Reset code from the email")).to_be_hidden()  # still filled
    await expect(page.locator("#reset-form .spinner")).to_be_hidden()
    await check_page(page, "reset-password-error")

    await page.locator("#password").fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.locator("main .notice")).to_contain_text("password has been changed")
    await sign_in(page, "forgetful", NEW_PASSWORD)


async def test_the_profile_changes_name_and_password_and_manages_api_tokens(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "profiled")
    await page.get_by_role("link", name="Profile").click()
    await check_page(page, "profile")

    await page.get_by_label("First name").fill("Marie")
    await page.get_by_label("Last name").fill("Curie")
    await page.get_by_role("button", name="Save name").click()
    await expect(page.locator("main .notice")).to_have_text("Your name has been saved.")
    await expect(page.get_by_text("Signed in as")).to_contain_text("Marie Curie")

    password_form = page.locator("#password")
    await password_form.get_by_label("Current password").fill("wrong password here")
    await page.locator("#password-new_password").fill(NEW_PASSWORD)
    await password_form.get_by_label("New password again").fill(NEW_PASSWORD)
    await password_form.get_by_role("button", name="Change password").click()
    await expect(field_error(page, "password-current_password")).to_have_text(
        re.compile("not your current password")
    )

    tokens = page.locator("#tokens")
    await tokens.get_by_label("Name").fill("laptop script")
    await tokens.get_by_label("Access").select_option("write")
    await tokens.get_by_role("button", name="Create token").click()
    secret = await page.get_by_label("New token").input_value()
    assert secret.startswith("ddt_")
    await expect(tokens.get_by_role("row", name=re.compile("laptop script"))).to_contain_text(
        "Read and write"
    )
    await check_page(page, "profile-new-token")

    me = await page.request.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200
    assert (await me.json())["username"] == "profiled"

    await tokens.get_by_role("button", name="Revoke laptop script").click()
    await expect(page.get_by_role("status").filter(has_text="revoked")).to_be_visible()
    await expect(tokens.get_by_text("You have no API tokens.")).to_be_visible()
    await expect(page.get_by_label("New token")).to_have_count(0)  # shown once only
    refused = await page.request.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401
    await screenshot(page, "profile-token-revoked")


async def test_a_slow_answer_does_not_pull_focus_from_the_field_being_typed_in(
    page: Page, site: Site
) -> None:
    """A refused form comes back with its error field focused, unless the person has moved on
    to another field while waiting: then they keep typing where they are."""
    await sign_up(page, site, "hurried")
    await page.goto("/profile")

    async def slowly(route: Route) -> None:
        response = await route.fetch()
        await asyncio.sleep(0.8)
        await route.fulfill(response=response)

    await page.route("**/profile/password", slowly)
    password_form = page.locator("#password")
    await password_form.get_by_label("Current password").fill("wrong password here")
    await page.locator("#password-new_password").fill(NEW_PASSWORD)
    await password_form.get_by_label("New password again").fill(NEW_PASSWORD)
    await password_form.get_by_role("button", name="Change password").click()
    token_name = page.locator("#tokens").get_by_label("Name")
    await token_name.click()
    await page.keyboard.type("laptop")
    await expect(field_error(page, "password-current_password")).to_have_text(
        re.compile("not your current password")
    )
    await expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    await page.keyboard.type(" script")
    await expect(token_name).to_be_focused()
    await expect(token_name).to_have_value("laptop script")
    await expect(page.locator("#password-current_password")).to_have_value("")

    # Waiting without moving on, focus goes to the field to mend.
    await page.unroute("**/profile/password")
    await password_form.get_by_label("Current password").fill("wrong password again")
    await page.locator("#password-new_password").fill(NEW_PASSWORD)
    await password_form.get_by_label("New password again").fill(NEW_PASSWORD)
    await password_form.get_by_role("button", name="Change password").click()
    await expect(page.locator("#password-current_password")).to_be_focused()
