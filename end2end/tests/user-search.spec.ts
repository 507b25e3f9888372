import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { LoginPage } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";

// The demo data: 120 users after the admin. Demo users 104 to 120 are
// Lindqvists; every tenth demo user is an agent.
test.beforeEach(async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(ADMIN.login, ADMIN.password);
  await new UsersPage(page).expectShown();
});

test("the list follows the search as the admin types, and roles narrow it", async ({ page }) => {
  const users = new UsersPage(page);
  await expect(users.count()).toHaveText("121 users");

  await users.search("LINDQ");
  await expect(page).toHaveURL(/q=LINDQ/);
  await expect(users.count()).toHaveText("17 users");
  await expect(users.rows()).toHaveCount(18);
  for (const row of await users.rows().all().then((rows) => rows.slice(1))) {
    await expect(row).toContainText(/lindqvist/i);
  }

  await users.roleToggle("Agent").click();
  await expect(users.roleToggle("Agent")).toHaveAttribute("aria-pressed", "true");
  await expect(users.count()).toHaveText("2 users");
  await expect(users.rows().nth(1)).toContainText("quinn.lindqvist120");
  await expect(users.rows().nth(2)).toContainText("greta.lindqvist110");

  // Several words: each one must match.
  await users.search("lindqvist greta");
  await expect(users.count()).toHaveText("1 user");

  await users.search("nobody-is-called-this");
  await expect(page.getByText("No users match this search.")).toBeVisible();
});

test("reload and Back restore exactly the view in the address", async ({ page }) => {
  const users = new UsersPage(page);
  await users.search("lindqvist");
  await expect(users.count()).toHaveText("17 users");
  await users.roleToggle("Agent").click();
  await expect(users.count()).toHaveText("2 users");
  await users.sortBy().selectOption({ label: "Login (A–Z)" });
  await expect(users.rows().nth(1)).toContainText("greta.lindqvist110");

  await page.reload();
  await users.expectShown();
  await expect(users.searchBox()).toHaveValue("lindqvist");
  await expect(users.roleToggle("Agent")).toHaveAttribute("aria-pressed", "true");
  await expect(users.sortBy()).toHaveValue("login");
  await expect(users.count()).toHaveText("2 users");
  await expect(users.rows().nth(1)).toContainText("greta.lindqvist110");

  await page.goBack();
  await expect(users.rows().nth(1)).toContainText("quinn.lindqvist120");
  await expect(users.sortBy()).toHaveValue("newest");
  await page.goBack();
  await expect(users.count()).toHaveText("17 users");
  await expect(users.roleToggle("Agent")).toHaveAttribute("aria-pressed", "false");
  await page.goBack();
  await expect(users.count()).toHaveText("121 users");
  await expect(users.searchBox()).toHaveValue("");
});

test("every user is reachable page by page, down to the oldest", async ({ page }) => {
  const users = new UsersPage(page);
  await expect(users.rows()).toHaveCount(51);
  await users.goToNextPage();
  await users.goToNextPage();
  await expect(users.rows()).toHaveCount(22);
  await expect(users.rows().last()).toContainText("admin");
  await expect(users.nextPage()).toHaveCount(0);

  await users.firstPage().click();
  await expect(users.rows().nth(1)).toContainText("quinn.lindqvist120");

  await users.sortBy().selectOption({ label: "Oldest first" });
  await expect(users.rows().nth(1)).toContainText("admin");
});

test("facets narrow the list together with roles", async ({ page }) => {
  const users = new UsersPage(page);
  await users.roleToggle("Agent").click();
  await expect(users.count()).toHaveText("12 users");
  await users.facetToggle("Never signed in").click();
  await expect(users.facetToggle("Never signed in")).toHaveAttribute("aria-pressed", "true");
  await expect(users.count()).toHaveText("12 users");
  await users.facetToggle("Locked").click();
  await expect(users.count()).toHaveText("0 users");
  await expect(page.getByText("No users match this search.")).toBeVisible();

  await users.facetToggle("Locked").click();
  await users.roleToggle("Agent").click();
  await users.roleToggle("Admin").click();
  // The only admin has signed in.
  await expect(users.count()).toHaveText("0 users");
  await users.facetToggle("Never signed in").click();
  await expect(users.count()).toHaveText("1 user");
  await expect(users.rows().nth(1)).toContainText("admin");
});

test("no sign-in for 90 days combines with the search and stays in the address", async ({ page }) => {
  const users = new UsersPage(page);
  const dormant = users.facetToggle("No sign-in for 90 days");
  await users.search("LINDQ");
  await expect(users.count()).toHaveText("17 users");
  await dormant.click();
  await expect(dormant).toHaveAttribute("aria-pressed", "true");
  await expect(page).toHaveURL(/only=dormant/);
  // The demo users were made minutes ago: none is dormant yet.
  await expect(users.count()).toHaveText("0 users");
  await page.reload();
  await expect(users.facetToggle("No sign-in for 90 days")).toHaveAttribute("aria-pressed", "true");
  await expect(users.count()).toHaveText("0 users");
  await users.facetToggle("No sign-in for 90 days").click();
  await expect(users.count()).toHaveText("17 users");
});
