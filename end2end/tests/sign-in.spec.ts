import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";
import { ADMIN, DEMO_PASSWORD } from "./accounts";

test("the sign-in page hydrates without errors", async ({ page }) => {
  // The page-error watch fails the test on any error the page logs.
  await new LoginPage(page).open();
});

test("an admin signs in, sees the Users panel with the seeded users, and signs out", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);

  const users = new UsersPage(page);
  await users.expectShown();
  await expect(users.count()).toHaveText("121 users");
  // 50 users a page, plus the header row; the newest demo user comes first.
  await expect(users.rows()).toHaveCount(51);
  await expect(users.rows().nth(1)).toContainText("quinn.lindqvist120");
  await expect(users.table().getByRole("columnheader", { name: "Roles" })).toBeVisible();

  await users.signOut();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password gets one generic message", async ({ page, pageErrors }) => {
  pageErrors.allowStatuses(401);
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, "not the password");
  await expect(login.error()).toHaveText("Wrong login or password.");
  await expect(page).toHaveURL(/\/login$/);
});

test("a customer is kept out of the Users panel", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn("chloe.schmidt2", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Chloé Schmidt" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);

  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/$/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
});

test("the account menu works from the keyboard", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();

  const avatar = page.getByRole("button", { name: /Account menu for Ada Admin/ });
  await avatar.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "Profile" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu", { name: "Account" })).toBeHidden();
  await expect(avatar).toBeFocused();
});
