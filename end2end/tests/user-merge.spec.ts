import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn } from "./pages/login-page";
import { deleteUsersMatching, signInToUsersPanel } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// The test's users share a family name no demo user has; each test deletes
// them again, so the suite finds the demo data as seeded.
const FAMILY = "Mergewell";
const KEPT = "mergewell.kept";
const TWIN = "mergewell.twin";
const PASSWORD = "mergewell e2e password";
/** What each chooses at their first sign-in, in place of the one the admin set. */
const OWN_PASSWORD = "mergewell own password 2";

async function createCustomer(page: Page, login: string) {
  const details = {
    login,
    first_name: "Mia",
    last_name: FAMILY,
    email: `${login}@example.com`,
    roles: [3],
    active: true,
    password: PASSWORD,
  };
  const response = await page.request.post("/api/create_user", { data: { details } });
  expect(response.status(), await response.text()).toBe(200);
}

/** `login` writes in from a browser of their own; returns that browser and the ticket's number. */
async function openTicketAs(browser: Browser, login: string, title: string) {
  const context = await browser.newContext();
  const signedIn = await context.request.post("/api/sign_in", { form: { login, password: PASSWORD } });
  expect(signedIn.status(), await signedIn.text()).toBe(200);
  const own = { new_password: OWN_PASSWORD, repeat_password: OWN_PASSWORD };
  const changed = await context.request.post("/api/change_required_password", { form: own });
  expect(changed.status(), await changed.text()).toBe(200);
  const opened = await context.request.post("/api/open_ticket", { data: { title, body: "It jams again." } });
  expect(opened.status(), await opened.text()).toBe(200);
  return { context, number: (await opened.json()) as number };
}

test("an admin merges a duplicate into the user to keep: the preview says what moves and what is lost, and the tickets follow", async ({
  browser,
  page,
}) => {
  const users = await signInToUsersPanel(page);
  await createCustomer(page, KEPT);
  await createCustomer(page, TWIN);
  const twin = await openTicketAs(browser, TWIN, "Printer jams again");

  // By keyboard: ⋮ Actions, arrow down to Merge into…, Enter.
  await users.findOnly(TWIN);
  await users.actionsButton(TWIN).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menu", { name: `Actions for ${TWIN}` }).getByRole("menuitem")).toHaveText([
    "Edit User",
    "👁️ View from user's perspective",
    "Merge into…",
    "Delete User",
  ]);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Merge into…" })).toBeFocused();
  await page.keyboard.press("Enter");

  const dialog = users.mergeDialog(TWIN);
  await expect(dialog).toBeVisible();
  const search = dialog.getByLabel("User to keep");
  await expect(search).toBeFocused();
  await expect(dialog.getByRole("button", { name: "Merge", exact: true })).toHaveCount(0);

  // The duplicate is left out of the matches.
  await search.pressSequentially("mergewell", { delay: 30 });
  const matches = dialog.getByRole("list", { name: "Users to keep" }).getByRole("button");
  await expect(matches).toHaveCount(1);
  await expect(matches).toContainText(KEPT);
  await page.keyboard.press("Tab");
  await expect(matches).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(matches).toHaveAttribute("aria-pressed", "true");

  const moves = dialog.getByRole("list", { name: "What moves" }).getByRole("listitem");
  await expect(moves).toHaveText(["1 ticket as customer, each keeping its number", "1 reply", "0 time entries"]);
  const lost = dialog.getByRole("list", { name: "What is lost" }).getByRole("listitem");
  await expect(lost).toHaveText([
    `Login ${TWIN}`,
    `Email ${TWIN}@example.com`,
    "Password",
    "1 open session: they are signed out",
  ]);
  await expect(dialog).toContainText(`Moves to ${KEPT} (Mia ${FAMILY}):`);

  const merge = dialog.getByRole("button", { name: "Merge", exact: true });
  const typed = dialog.getByLabel("Type MERGE to confirm");
  await expect(merge).toBeDisabled();
  await typed.fill("merge");
  await expect(merge).toBeDisabled();
  await typed.fill("MERGE");
  await merge.click();

  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText(`Merged ${TWIN} into ${KEPT}.`);
  await expect(page.getByText("No users match this search.")).toBeVisible();

  // The duplicate's browser is signed out, and the login is gone.
  const current = await twin.context.request.post("/api/current_user", { form: {} });
  expect(await current.json()).toBeNull();
  await users.search(FAMILY.toLowerCase());
  await expect(users.count()).toHaveText("1 user");
  await expect(users.row(KEPT)).toBeVisible();

  // The user kept finds the ticket under their own name, with its number.
  const kept = await (await browser.newContext()).newPage();
  await signIn(kept, KEPT, PASSWORD);
  await expect(kept.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await waitForHydration(kept);
  await kept.getByLabel("New password", { exact: true }).fill(OWN_PASSWORD);
  await kept.getByLabel("Repeat the new password").fill(OWN_PASSWORD);
  await kept.getByRole("button", { name: "Save password" }).click();
  await expect(kept.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await kept.goto(`/tickets/${twin.number}`);
  await waitForHydration(kept);
  await expect(kept.getByRole("heading", { level: 1 })).toHaveText(`#${twin.number} Printer jams again`);

  await deleteUsersMatching(page, FAMILY.toLowerCase());
});

test("merging into yourself is refused in the preview, and the dialog closes back to the row", async ({ page }) => {
  const users = await signInToUsersPanel(page);
  await createCustomer(page, TWIN);
  await users.findOnly(TWIN);
  await (await users.openActions(TWIN)).getByRole("menuitem", { name: "Merge into…" }).click();
  const dialog = users.mergeDialog(TWIN);
  await dialog.getByLabel("User to keep").pressSequentially("Ada Admin", { delay: 30 });
  await dialog.getByRole("list", { name: "Users to keep" }).getByRole("button", { name: /^admin( —|$)/ }).click();

  await expect(dialog.getByRole("alert")).toHaveText("You cannot merge your own account.");
  await expect(dialog.getByLabel("Type MERGE to confirm")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Close", exact: true }).last().click();
  await expect(dialog).toHaveCount(0);
  await expect(users.row(TWIN).getByRole("button", { name: `Edit ${TWIN}` })).toBeFocused();

  // An admin's own row offers no merge at all.
  await users.findOnly("admin");
  await expect((await users.openActions("admin")).getByRole("menuitem", { name: "Merge into…" })).toHaveCount(0);
  await page.keyboard.press("Escape");

  await deleteUsersMatching(page, FAMILY.toLowerCase());
});
