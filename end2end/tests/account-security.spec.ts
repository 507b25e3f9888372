import type { Browser } from "@playwright/test";
import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";
import { ADMIN, DEMO_PASSWORD } from "./accounts";
import { authenticatorCode } from "./authenticator";

/** The admin, signed in in a browser context of their own, on the Users panel. */
async function adminOnUsersPanel(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  return { context, users };
}

test("ten wrong passwords lock an account; the admin sees 🔒 and unlocks it", async ({
  page,
  browser,
  pageErrors,
}) => {
  // The wrong passwords' answers.
  pageErrors.allowStatuses(401);
  const login = new LoginPage(page);
  await login.open();
  const signInButton = page.getByRole("button", { name: "Sign in" });
  for (let attempt = 1; attempt <= 10; attempt++) {
    await login.signIn("david.schmidt3", `wrong guess ${attempt}`);
    // The button is disabled while the attempt is under way.
    await expect(signInButton).toBeEnabled();
    await expect(login.error()).toHaveText("Wrong login or password.");
  }
  await login.signIn("david.schmidt3", DEMO_PASSWORD);
  await expect(signInButton).toBeEnabled();
  await expect(login.error()).toHaveText("Wrong login or password.");
  await expect(page).toHaveURL(/\/login$/);

  const { context: adminContext, users } = await adminOnUsersPanel(browser);
  await users.findOnly("david.schmidt3");
  const lock = users.row("david.schmidt3").getByRole("img", {
    name: /^Locked after repeated failed sign-ins \(the last at .+ UTC\) until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
  });
  await expect(lock).toBeVisible();
  const menu = await users.openActions("david.schmidt3");
  await menu.getByRole("menuitem", { name: "Unlock" }).click();
  await expect(users.notice()).toHaveText("User unlocked");
  await expect(users.row("david.schmidt3").getByRole("img", { name: /Locked/ })).toHaveCount(0);
  const after = await users.openActions("david.schmidt3");
  await expect(after.getByRole("menuitem", { name: "Unlock" })).toHaveCount(0);
  await adminContext.close();

  await login.open();
  await login.signIn("david.schmidt3", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, David Schmidt" })).toBeVisible();
});

test("a lock from wrong passwords lifts itself after its wait, shortened to 25 s for these tests", async ({
  page,
  browser,
  pageErrors,
}) => {
  test.setTimeout(90_000);
  // The wrong passwords' answers.
  pageErrors.allowStatuses(401);
  const login = new LoginPage(page);
  await login.open();
  for (let attempt = 1; attempt <= 10; attempt++) {
    await login.signIn("farid.okafor83", `wrong guess ${attempt}`);
    await expect(login.error()).toHaveText("Wrong login or password.");
  }
  const lockedAt = Date.now();
  await login.signIn("farid.okafor83", DEMO_PASSWORD);
  await expect(login.error()).toHaveText("Wrong login or password.");

  const { context: adminContext, users } = await adminOnUsersPanel(browser);
  await users.findOnly("farid.okafor83");
  await expect(users.row("farid.okafor83").getByRole("img", { name: /until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/ })).toBeVisible();
  await adminContext.close();

  // Nobody unlocks it: once the wait is over, the right password works again.
  await page.waitForTimeout(Math.max(0, lockedAt + 26_000 - Date.now()));
  await login.open();
  await login.signIn("farid.okafor83", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Farid Okafor" })).toBeVisible();
});

test("a user sets up an authenticator app, signs in with a code, and an admin removes it", async ({
  page,
  browser,
  pageErrors,
}) => {
  // 400: a wrong code typed on purpose; 401: signing in with it.
  pageErrors.allowStatuses(400, 401);
  const login = new LoginPage(page);
  await login.open();
  await login.signIn("farid.schmidt5", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Farid Schmidt" })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: /Account menu for/ }).click();
  await page.getByRole("menu", { name: "Account" }).getByRole("menuitem", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Password & Authentication" })).toBeVisible();
  await waitForHydration(page);

  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  // The profile page and the QR code (a data: image) pass the page's
  // Content-Security-Policy: the page-error watch would say otherwise.
  const key = (await page.locator("#authenticator-secret").textContent()) ?? "";
  expect(key.replace(/\s/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByText("That code does not match.")).toBeVisible();
  await page.getByLabel("Code from the app").fill(authenticatorCode(key));
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app enabled." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Remove authenticator app…" })).toBeVisible();
  // The key is never shown again.
  await page.reload();
  await expect(page.locator("#authenticator-secret")).toHaveCount(0);

  // A new sign-in asks for a code. The current code was used to enable the
  // app, so the app's next one (accepted within ±30 s) signs in.
  const fresh = await browser.newContext();
  const userPage = await fresh.newPage();
  const userLogin = new LoginPage(userPage);
  await userLogin.open();
  await userLogin.signIn("farid.schmidt5", DEMO_PASSWORD);
  await expect(userPage.getByLabel("Code", { exact: true })).toBeVisible();
  await userPage.goto("/");
  await expect(userPage).toHaveURL(/\/login$/);
  await expect(userPage.getByLabel("Code", { exact: true })).toBeVisible();
  await waitForHydration(userPage);
  await userLogin.enterCode("123 456");
  await expect(userLogin.error()).toContainText("That code is not valid.");
  await userLogin.enterCode(authenticatorCode(key, Date.now() + 30_000));
  await expect(userPage.getByRole("heading", { name: "Welcome, Farid Schmidt" })).toBeVisible();

  // The admin removes the method; the user is signed out at once.
  const { context: adminContext, users } = await adminOnUsersPanel(browser);
  await users.findOnly("farid.schmidt5");
  await expect(users.row("farid.schmidt5").getByRole("cell", { name: "On", exact: true })).toBeVisible();
  const menu = await users.openActions("farid.schmidt5");
  await menu.getByRole("menuitem", { name: "Manage Two-Factor Authentication" }).click();
  const dialog = users.dialog("Manage Two-Factor Authentication");
  await expect(dialog.getByRole("list", { name: "Two-factor methods" })).toContainText("Authenticator app");
  await dialog.getByRole("button", { name: "Remove all" }).click();
  await expect(users.notice()).toHaveText("Authenticator app removed from farid.schmidt5. They have been signed out.");
  await expect(users.row("farid.schmidt5").getByRole("cell", { name: "Off", exact: true })).toBeVisible();
  await adminContext.close();

  await userPage.reload();
  await expect(userPage).toHaveURL(/\/login$/);
  await userLogin.open();
  await userLogin.signIn("farid.schmidt5", DEMO_PASSWORD);
  await expect(userPage.getByRole("heading", { name: "Welcome, Farid Schmidt" })).toBeVisible();
  await fresh.close();
});
