import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";
import { ADMIN } from "./accounts";

// Runs after account-security.spec.ts, whose unlock and two-factor removal it finds.
test("an admin finds who unlocked whom, and from where, in the audit log", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table.getByRole("row").nth(1)).toContainText("Signed in");

  await page.getByLabel("Event", { exact: true }).selectOption({ label: "User unlocked" });
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/action=user\.unlock/);
  const unlocked = table.getByRole("row").filter({ hasText: "david.schmidt3" });
  await expect(unlocked).toHaveCount(1);
  await expect(unlocked).toContainText("User unlocked");
  await expect(unlocked.getByRole("cell").nth(2)).toHaveText("admin");
  await expect(unlocked.getByRole("cell").nth(5)).toHaveText("127.0.0.1");

  await page.getByLabel("Event", { exact: true }).selectOption({ label: "All events" });
  await page.getByLabel("Search the audit log").fill("farid");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(table.getByRole("row").filter({ hasText: "Two-factor removed" })).toContainText(
    "methods=authenticator_app",
  );
  await page.goBack();
  await expect(page).toHaveURL(/action=user\.unlock/);
  await expect(table.getByRole("row").filter({ hasText: "david.schmidt3" })).toContainText("User unlocked");
  await expect(table.getByRole("row").filter({ hasText: "Two-factor removed" })).toHaveCount(0);
});
