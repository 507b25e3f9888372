import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { signIn } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// A phone held upright: 390 px wide.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1400, height: 900 };

/** A demo agent no other test changes. */
const USER = "quinn.lindqvist120";

/** How far the page reaches sideways: no more than the screen's width, so nothing needs side-scrolling. */
async function expectNoSideScrolling(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${page.url()} reaches past the right edge`).toBeLessThanOrEqual(0);
}

async function expectOnScreen(page: Page, what: ReturnType<Page["locator"]>) {
  const box = await what.boundingBox();
  expect(box, "shown").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test("on a phone an admin finds a user, sees their email and roles, and reaches ⋮ Actions without side-scrolling", async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await signIn(page, ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  await expectNoSideScrolling(page);

  // The header's links each stay on one line.
  for (const name of ["Users", "Roles", "Audit log"]) {
    const link = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
    const box = await link.boundingBox();
    expect(box!.height, `${name} wraps`).toBeLessThan(30);
  }

  await users.findOnly(USER);
  await expectNoSideScrolling(page);
  const row = users.row(USER);
  await expectOnScreen(page, row.getByText(`${USER}@demo.roster.example`));
  await expectOnScreen(page, row.getByText("Agent"));
  await expectOnScreen(page, users.actionsButton(USER));

  const menu = await users.openActions(USER);
  await expectOnScreen(page, menu);
  await menu.getByRole("menuitem", { name: "Edit User" }).click();
  const dialog = users.dialog("Edit User");
  await expect(dialog).toBeVisible();
  await expectOnScreen(page, dialog);
  await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(dialog).toHaveCount(0);

  for (const path of ["/admin/roles", "/admin/audit", "/tickets", "/profile"]) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoSideScrolling(page);
  }
});

// Pictures of each page for a reviewer, at a desktop's width and a phone's,
// under end2end/screenshots/ (not kept in git).
test("screenshots of every page at 1400 px and 390 px, and in dark mode", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  const pages: [string, string][] = [
    ["users", "/admin/users"],
    ["roles", "/admin/roles"],
    ["audit-log", "/admin/audit"],
    ["tickets", "/tickets"],
    ["profile", "/profile"],
  ];
  for (const [size, viewport] of [["1400", DESKTOP], ["390", PHONE]] as const) {
    await page.setViewportSize(viewport);
    for (const [name, path] of pages) {
      await page.goto(path);
      await waitForHydration(page);
      await page.screenshot({ path: `screenshots/${name}-${size}.png`, fullPage: true });
    }
    await page.goto("/admin/users");
    await waitForHydration(page);
    await page.getByRole("button", { name: "New User" }).click();
    await expect(page.getByRole("dialog", { name: "New User" })).toBeVisible();
    await page.screenshot({ path: `screenshots/new-user-dialog-${size}.png` });
  }
  // And in dark mode, which follows the system's setting.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize(DESKTOP);
  for (const [name, path] of pages) {
    await page.goto(path);
    await waitForHydration(page);
    await page.screenshot({ path: `screenshots/${name}-1400-dark.png`, fullPage: true });
  }
});

test("the profile shows no empty block, and its buttons look alike", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  await page.goto("/profile");
  await waitForHydration(page);
  // The section's heading is followed by the Password block, nothing in between
  // (an empty notice used to take a row of the section's grid: 110 px of nothing).
  await expect(page.locator("section.profile > :nth-child(2)")).toHaveClass("method");
  const heading = await page.getByRole("heading", { name: "Password & Authentication" }).boundingBox();
  const password = await page.getByRole("heading", { name: "Password", exact: true }).boundingBox();
  expect(password!.y - (heading!.y + heading!.height), "space between the two headings").toBeLessThan(70);

  // Generate recovery codes is a button like the others: the same shape.
  const look = (name: string) =>
    page.getByRole("button", { name }).evaluate((b) => {
      const style = getComputedStyle(b);
      return [style.borderRadius, style.paddingTop, style.paddingLeft, style.fontWeight, style.cursor];
    });
  expect(await look("Generate recovery codes")).toEqual(await look("Change password…"));
});
