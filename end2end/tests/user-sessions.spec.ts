import { expect, test } from "./fixtures";
import { DEMO_PASSWORD } from "./accounts";
import { waitForHydration } from "./pages/hydration";
import { signIn } from "./pages/login-page";
import { signInToUsersPanel } from "./pages/users-page";

// A demo customer no other test signs in as.
const CUSTOMER = "jonas.schmidt9";

test("an admin sees where a customer is signed in and signs that browser out", async ({ page, browser }) => {
  const customerPage = await (await browser.newContext()).newPage();
  await signIn(customerPage, CUSTOMER, DEMO_PASSWORD);
  await expect(customerPage.getByRole("heading", { name: /^Welcome, / })).toBeVisible();

  const users = await signInToUsersPanel(page);
  await users.findOnly(CUSTOMER);
  await page.getByRole("button", { name: `Edit ${CUSTOMER}`, exact: true }).click();
  const dialog = users.dialog("Edit User");
  const sessions = dialog.getByRole("region", { name: "Sessions" });
  await expect(sessions.getByRole("row")).toHaveCount(2);
  const row = sessions.getByRole("row").nth(1);
  await expect(row.getByRole("cell").nth(1)).toHaveText("127.0.0.1");
  await row.getByRole("button", { name: "Sign out" }).click();
  await expect(sessions.getByRole("status")).toHaveText("Session signed out.");
  await expect(sessions.getByText("No open sessions.")).toBeVisible();

  // The customer's next page is the sign-in page.
  await customerPage.reload();
  await expect(customerPage).toHaveURL(/\/login/);
  await expect(customerPage.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("in the profile you see this browser and sign out everywhere else", async ({ page, browser }) => {
  const elsewhere = await (await browser.newContext()).newPage();
  await signIn(elsewhere, CUSTOMER, DEMO_PASSWORD);
  await expect(elsewhere.getByRole("heading", { name: /^Welcome, / })).toBeVisible();

  await signIn(page, CUSTOMER, DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await page.goto("/profile");
  await waitForHydration(page);
  const sessions = page.getByRole("region", { name: "Sessions" });
  // The header row, this browser and the other one.
  await expect(sessions.getByRole("row")).toHaveCount(3);
  await expect(sessions.getByRole("row").filter({ hasText: "this browser" })).toHaveCount(1);
  await sessions.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(sessions.getByRole("status")).toHaveText("Signed out everywhere else.");
  await expect(sessions.getByRole("row")).toHaveCount(2);
  await expect(sessions.getByRole("row").nth(1)).toContainText("this browser");
  await expect(sessions.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);

  await elsewhere.reload();
  await expect(elsewhere).toHaveURL(/\/login/);
  // This browser is still signed in; its own Sign out ends it.
  await sessions.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
});
