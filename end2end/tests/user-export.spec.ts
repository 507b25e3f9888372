import { readFile } from "node:fs/promises";
import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { LoginPage } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";

// The demo data: demo users 104 to 120 are Lindqvists; every tenth demo
// user is an agent.
test("Export CSV downloads exactly the users of the view shown, in its order", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();

  await users.search("lindqvist");
  await expect(users.count()).toHaveText("17 users");
  await users.roleToggle("Agent").click();
  await users.sortBy().selectOption({ label: "Login (A–Z)" });
  await expect(users.count()).toHaveText("2 users");
  await expect(users.rows().nth(1)).toContainText("greta.lindqvist110");

  const downloading = page.waitForEvent("download");
  await users.exportButton().click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^users-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = (await readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, "");
  const lines = text.trimEnd().split("\r\n");
  expect(lines[0]).toMatch(/^Login,Email,Organization,Secondary organizations,VIP,Active,First name,Last name,/);
  expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(["greta.lindqvist110", "quinn.lindqvist120"]);

  // The page said how far the export had got, and then that it was whole.
  await expect(page.locator("#export-status")).toHaveText(/^Exported 2 rows \(\d+\.\d MB\)\.$/);

  // The panel stays as it was.
  await expect(page).toHaveURL(/q=lindqvist/);
  await expect(users.count()).toHaveText("2 users");
});

test("a refused export says why in the page", async ({ page, pageErrors }) => {
  pageErrors.allowStatuses(403);
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();
  // As the server answers an admin whose rights were taken away meanwhile.
  await page.route("**/api/export_users*", (route) =>
    route.fulfill({ status: 403, contentType: "application/json", body: '"Forbidden"' }),
  );
  await users.exportButton().click();
  await expect(page.locator("#export-status")).toHaveText("Export failed: you do not have permission to export users.");
});
