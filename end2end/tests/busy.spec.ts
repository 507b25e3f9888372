import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { signIn } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// Work that may take more than a second shows it on its button, and a
// second click meanwhile sends nothing more.

/** Holds requests to `path` for 1.5 s each and counts them. */
async function slowDown(page: Page, path: string) {
  const sent: string[] = [];
  await page.route(`**${path}`, async (route) => {
    sent.push(route.request().url());
    await new Promise((done) => setTimeout(done, 1_500));
    await route.continue();
  });
  return sent;
}

test("saving a user shows Saving… and a second click sends nothing more", async ({ page }) => {
  // An edit, not a new user: later tests count the users.
  const login = "wim.okafor100";
  await signIn(page, ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  await users.findOnly(login);
  const sent = await slowDown(page, "/api/update_user");
  await page.getByRole("button", { name: `Edit ${login}`, exact: true }).click();
  const dialog = users.dialog("Edit User");
  await expect(users.field("Login")).toHaveValue(login);
  await users.field("Note").fill("Asked twice, saved once.");
  const save = dialog.getByRole("button", { name: /^(Save|Saving…)$/ });
  await save.click();
  await expect(save).toBeDisabled();
  await expect(save).toHaveText("Saving…");
  await save.click({ force: true });
  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText(`User ${login} saved.`);
  expect(sent).toHaveLength(1);
});

test("enabling an authenticator app cannot be sent twice while the code is checked", async ({ page, pageErrors }) => {
  // The code typed is wrong on purpose: its answer is a 400.
  pageErrors.allowStatuses(400);
  await signIn(page, "zoe.okafor103", "roster-demo-pass");
  await expect(page.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await page.goto("/profile");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  const dialog = page.getByRole("dialog", { name: "Set up authenticator app" });
  await expect(dialog.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const sent = await slowDown(page, "/api/confirm_authenticator");
  await dialog.getByLabel("Code from the app").fill("000000");
  const enable = dialog.getByRole("button", { name: "Enable" });
  await enable.click();
  await expect(enable).toBeDisabled();
  await enable.click({ force: true });
  // The answer: the code is wrong, said next to it; the button works again.
  await expect(dialog.getByLabel("Code from the app")).toHaveAttribute("aria-invalid", "true");
  await expect(enable).toBeEnabled();
  expect(sent).toHaveLength(1);
});

test("Unlock says Unlocking… while the server works, and a second Unlock sends nothing more", async ({
  page,
  pageErrors,
}) => {
  // The wrong passwords that lock the account answer 401.
  pageErrors.allowStatuses(401);
  const login = "david.lindqvist107";
  for (let attempt = 1; attempt <= 10; attempt++) {
    const answer = await page.request.post("/api/sign_in", { form: { login, password: `wrong guess ${attempt}` } });
    expect(answer.status()).toBe(401);
  }
  await signIn(page, ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  await users.findOnly(login);
  await expect(users.row(login).getByRole("img", { name: /^Locked/ })).toBeVisible();
  const sent = await slowDown(page, "/api/unlock_user");

  await (await users.openActions(login)).getByRole("menuitem", { name: "Unlock" }).click();
  // The menu closed on the click; opened again, it says the work is under way.
  const menu = await users.openActions(login);
  const unlocking = menu.getByRole("menuitem", { name: "Unlocking…" });
  await expect(unlocking).toBeDisabled();
  await unlocking.click({ force: true });
  await expect(users.notice()).toHaveText("User unlocked");
  await expect(users.row(login).getByRole("img", { name: /^Locked/ })).toHaveCount(0);
  expect(sent).toHaveLength(1);
});
