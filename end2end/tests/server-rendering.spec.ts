import { expect, test } from "@playwright/test";

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

test("without JavaScript a form that needs it cannot be sent, so no password ends up in an address", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Login or email").fill("admin");
  await page.getByLabel("Password").fill("e2e admin password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);

  await page.goto("/profile");
  await expect(page.getByRole("heading", { name: "Password & Authentication" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Change password" })).toBeDisabled();
  await page.getByLabel("Current password").fill("e2e admin password");
  await page.getByLabel("Current password").press("Enter");
  await expect(page).toHaveURL(/\/profile$/);
});
