import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_PASSWORD } from "./accounts";
import { authenticatorCode } from "./authenticator";
import { signIn } from "./pages/login-page";
import { setUpAuthenticatorApp } from "./pages/profile-page";
import { waitForHydration } from "./pages/hydration";

// Without JavaScript nothing hydrates: what shows here was rendered by the server.
test.use({ javaScriptEnabled: false });

test("without JavaScript an admin can still sign in and read the Users panel", async ({ page }) => {
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel("Login or email").fill("admin");
  await page.getByLabel("Password").fill("e2e admin password");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("status")).toHaveText("121 users");
  await expect(page.getByRole("table", { name: "Users" }).getByRole("row")).toHaveCount(51);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");

  // The search form still works: Enter submits it as an ordinary GET.
  await page.getByRole("searchbox", { name: "Search for users" }).fill("lindqvist");
  await page.getByRole("searchbox", { name: "Search for users" }).press("Enter");
  await expect(page).toHaveURL(/\/admin\/users\?q=lindqvist$/);
  await expect(page.getByRole("status")).toHaveText("17 users");
});

test("without JavaScript a wrong password is reported on the sign-in page", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Login or email").fill("admin");
  await page.getByLabel("Password").fill("not the admin password");
  await page.getByRole("button", { name: "Sign in" }).click();

  // The server sends the form back to the page it came from, with its error.
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByRole("alert")).toHaveText("Wrong login or password.");
  await expect(page.getByLabel("Login or email")).toBeVisible();
});

test("without JavaScript a form that needs it cannot be sent, so nothing typed ends up in an address", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Login or email").fill("zoe.novak51");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Zoe Novak" })).toBeVisible();

  await page.goto("/tickets/new");
  await expect(page.getByRole("button", { name: "Open ticket" })).toBeDisabled();
  await page.getByLabel("Title").fill("Not to be sent");
  await page.getByLabel("Title").press("Enter");
  await expect(page).toHaveURL(/\/tickets\/new$/);
});

/** Turns on an authenticator app for the signed-in user of `page` (a
 * browser with JavaScript) and returns its key. */
async function enableAuthenticatorApp(page: Page) {
  const key = await setUpAuthenticatorApp(page);
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app enabled." })).toBeVisible();
  return key;
}

test("without JavaScript a user with an authenticator app signs in through the code step", async ({ page, browser }) => {
  // Set up in a browser with JavaScript, as the profile page needs it.
  const withScript = await browser.newContext({ javaScriptEnabled: true });
  const setup = await withScript.newPage();
  await signIn(setup, "ines.schmidt8", DEMO_PASSWORD);
  await expect(setup.getByRole("heading", { name: "Welcome, Ines Schmidt" })).toBeVisible();
  const key = await enableAuthenticatorApp(setup);

  await page.goto("/login");
  await page.getByLabel("Login or email").fill("ines.schmidt8");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel("Code", { exact: true })).toBeVisible();

  await page.getByLabel("Code", { exact: true }).fill("123 456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert")).toContainText("That code is not valid.");
  await expect(page.getByLabel("Code", { exact: true })).toBeVisible();

  // The code that enabled the app is spent; the app's next one is accepted.
  await page.getByLabel("Code", { exact: true }).fill(authenticatorCode(key, Date.now() + 30_000));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ines Schmidt" })).toBeVisible();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");

  // Leave the demo user as the other tests expect: without the app.
  await setup.goto("/profile");
  await waitForHydration(setup);
  await setup.getByRole("button", { name: "Remove authenticator app…" }).click();
  await setup.getByLabel("Your password, to confirm").fill(DEMO_PASSWORD);
  await setup.getByRole("dialog", { name: "Remove authenticator app" }).getByRole("button", { name: "Remove", exact: true }).click();
  await expect(setup.getByRole("button", { name: "Set up authenticator app" })).toBeVisible();
  await withScript.close();
});
