import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN, DEMO_PASSWORD } from "./accounts";
import { signIn } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// A phone held upright: 390 px wide.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1400, height: 900 };

/** A demo agent no other test changes. */
const USER = "quinn.lindqvist120";
/** A demo customer with tickets, whose pages are only looked at. */
const CUSTOMER = "ben.schmidt1";

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
// under end2end/screenshots/ (not kept in git): what an admin sees, what a
// customer sees, and the pages everyone meets signed out.
test("screenshots of every page at 1400 px and 390 px, and in dark mode", async ({ page, browser, pageErrors }) => {
  test.setTimeout(90_000);
  // The missing page answers 404, as it should.
  pageErrors.allowStatuses(404);
  const visitor = await (await browser.newContext()).newPage();
  const customer = await (await browser.newContext()).newPage();
  await signIn(customer, CUSTOMER, DEMO_PASSWORD);
  await expect(customer.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await customer.goto("/tickets");
  const ticket = await customer.getByRole("table", { name: "Tickets" }).getByRole("link").first().getAttribute("href");
  await signIn(page, ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
  const pages: [string, Page, string][] = [
    ["sign-in", visitor, "/login"],
    ["missing-page", visitor, "/no/such/page"],
    ["users", page, "/admin/users"],
    ["roles", page, "/admin/roles"],
    ["audit-log", page, "/admin/audit"],
    ["tickets", page, "/tickets"],
    ["profile", page, "/profile"],
    ["customer-home", customer, "/"],
    ["customer-tickets", customer, "/tickets"],
    ["customer-ticket", customer, ticket!],
    ["customer-new-ticket", customer, "/tickets/new"],
  ];
  const shoot = async (suffix: string) => {
    for (const [name, on, path] of pages) {
      await on.goto(path);
      await waitForHydration(on);
      await on.screenshot({ path: `screenshots/${name}-${suffix}.png`, fullPage: true });
    }
  };
  for (const [size, viewport] of [["1400", DESKTOP], ["390", PHONE]] as const) {
    for (const on of [page, visitor, customer]) await on.setViewportSize(viewport);
    await shoot(size);
    await page.goto("/admin/users");
    await waitForHydration(page);
    await page.getByRole("button", { name: "New User" }).click();
    await expect(page.getByRole("dialog", { name: "New User" })).toBeVisible();
    await page.screenshot({ path: `screenshots/new-user-dialog-${size}.png` });
  }
  // And in dark mode, which follows the system's setting.
  for (const on of [page, visitor, customer]) {
    await on.emulateMedia({ colorScheme: "dark" });
    await on.setViewportSize(DESKTOP);
  }
  await shoot("1400-dark");
  await visitor.context().close();
  await customer.context().close();
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
