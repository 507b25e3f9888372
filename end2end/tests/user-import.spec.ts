import { expect, test } from "./fixtures";
import { deleteUsersMatching, signInToUsersPanel } from "./pages/users-page";

// The file's users share a family name no demo user has; the test deletes
// them again, so the suite finds the demo data as seeded.
const FILE = [
  "Login;First name;Last name;Email;Roles",
  "wrenfield.01;Ada;Wrenfield;wrenfield.01@example.com;Agent",
  "wrenfield.02;Bo;Wrenfield;not-an-email;",
  'wrenfield.03;"Cy ""the third""";Wrenfield;;Customer',
].join("\r\n");

test("Import CSV: the test run shows a row's problem next to its column, then imports the valid rows", async ({ page }) => {
  const users = await signInToUsersPanel(page);
  await page.getByRole("link", { name: "Import CSV" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Import CSV");

  await page.getByLabel("CSV file").setInputFiles({ name: "wrenfields.csv", mimeType: "text/csv", buffer: Buffer.from(FILE) });
  await page.getByRole("button", { name: "Test run" }).click();

  // The report: what would happen, and the bad row's problem under its column.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Test run");
  const counts = page.getByLabel("What the import would do");
  await expect(counts.locator("div", { hasText: "Would create" }).locator("dd")).toHaveText("2");
  await expect(counts.locator("div", { hasText: "Invalid" }).locator("dd")).toHaveText("1");
  const problem = page.locator(".import-rows tr[data-line='3']");
  await expect(problem.locator(".import-column")).toHaveText("Email");
  await expect(problem.locator(".import-problem")).toContainText("email");
  await expect(problem).toContainText("wrenfield.02");

  // Nothing is written until Import.
  await page.goto("/admin/users?q=wrenfield");
  await expect(users.count()).toHaveText("0 users");
  await page.goBack();

  await page.getByRole("button", { name: "Import 2 users" }).click();
  // The page follows the import until it is done.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Imported", { timeout: 20_000 });
  const result = page.getByLabel("What the import did");
  await expect(result.locator("div", { hasText: "Created" }).locator("dd")).toHaveText("2");

  await page.getByRole("link", { name: "Back to Users" }).click();
  await users.search("wrenfield");
  await expect(users.count()).toHaveText("2 users");
  await expect(users.row("wrenfield.01")).toContainText("Agent");
  await expect(users.row("wrenfield.03")).toContainText('Cy "the third"');

  await deleteUsersMatching(page, "wrenfield");
});

test("a file that cannot be read says why and where", async ({ page }) => {
  await signInToUsersPanel(page);
  await page.goto("/admin/users/import");
  const broken = 'Login,Note\nann,"never closed\nben,x\n';
  await page.getByLabel("CSV file").setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(broken) });
  await page.getByRole("button", { name: "Test run" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("The file cannot be imported");
  await expect(page.getByRole("alert")).toHaveText('Line 2 opens a quoted value (") that is never closed.');
  await page.getByRole("link", { name: "Test another file" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Import CSV");
});
