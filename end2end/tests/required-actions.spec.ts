import { expect, test } from "./fixtures";
import { authenticatorCode } from "./authenticator";
import { waitForHydration } from "./pages/hydration";
import { LoginPage } from "./pages/login-page";
import { deleteUsersMatching, signInToUsersPanel, type UsersPage } from "./pages/users-page";

const GIVEN = "given by the helpdesk 1";
const OWN = "chosen by myself 22";

/** Creates a user with a password in the New User dialog, with `role` ticked besides Customer. */
async function createUser(users: UsersPage, login: string, role?: string) {
  await users.newUserButton().click();
  const dialog = users.dialog("New User");
  await users.field("Login").fill(login);
  await users.field("First name").fill("Required");
  await users.field("Last name").fill("Actions");
  const mustChange = users.field("Must change password at next sign-in");
  await expect(mustChange).not.toBeChecked();
  await users.field("Password").fill(GIVEN);
  // A password someone else set is one the user replaces: the box says so.
  await expect(mustChange).toBeChecked();
  await expect(mustChange).toBeDisabled();
  if (role) await dialog.getByRole("group", { name: "Roles" }).getByLabel(role).check();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText(`User ${login} created.`);
}

test("a user given a password by an admin chooses their own before anything else", async ({ page, browser, pageErrors }) => {
  const login = `e2e-given-${Date.now()}`;
  const users = await signInToUsersPanel(page);
  await createUser(users, login);

  const user = await (await browser.newContext()).newPage();
  const signIn = new LoginPage(user);
  await signIn.open();
  await signIn.signIn(login, GIVEN);
  await expect(user.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await waitForHydration(user);

  // Nothing else opens meanwhile: every page leads back to the step.
  await user.goto("/profile");
  await expect(user).toHaveURL(/\/login/);
  await expect(user.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await waitForHydration(user);

  // The given password again is refused, next to its field.
  pageErrors.allowStatuses(400);
  await user.getByLabel("New password", { exact: true }).fill(GIVEN);
  await user.getByLabel("Repeat the new password").fill(GIVEN);
  await user.getByRole("button", { name: "Save password" }).click();
  await expect(user.getByText("Choose a password different from the one you were given.")).toBeVisible();

  await user.getByLabel("New password", { exact: true }).fill(OWN);
  await user.getByLabel("Repeat the new password").fill(OWN);
  await user.getByRole("button", { name: "Save password" }).click();
  await expect(user.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await user.goto("/profile");
  await expect(user).toHaveURL(/\/profile/);

  // The admin sees the box unticked now.
  await users.findOnly(login);
  await page.getByRole("button", { name: `Edit ${login}`, exact: true }).click();
  await expect(users.field("Must change password at next sign-in")).not.toBeChecked();
  await page.keyboard.press("Escape");
  // The other tests count the demo users: this one goes again.
  await deleteUsersMatching(page, login);
});

test("a role that requires two-factor sends its users to set up an authenticator app", async ({ page, browser }) => {
  const stamp = Date.now();
  const role = `Two-factor crew ${stamp}`;
  const login = `e2e-night-${stamp}`;
  const users = await signInToUsersPanel(page);

  await page.goto("/admin/roles");
  await waitForHydration(page);
  await page.getByRole("button", { name: "New role" }).click();
  const editor = page.getByRole("dialog", { name: "New role" });
  await editor.getByLabel("Name").fill(role);
  await editor.getByLabel("Open tickets and follow their own").check();
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".notice")).toHaveText(`Role “${role}” saved`);
  const row = page.getByRole("row").filter({ hasText: role });
  await expect(row.getByRole("cell").nth(2)).toContainText("Optional");
  await page.getByRole("button", { name: `Require two-factor for ${role}` }).click();
  const confirm = page.getByRole("dialog", { name: "Require two-factor" });
  await expect(confirm).toContainText("set up an authenticator app");
  await confirm.getByRole("button", { name: "Require two-factor" }).click();
  await expect(page.locator(".notice")).toHaveText(`“${role}” now requires two-factor. All its users have it.`);
  await expect(row.getByRole("cell").nth(2)).toContainText("Required");

  await page.goto("/admin/users");
  await users.expectShown();
  await createUser(users, login, role);

  // The password step comes first, then the app.
  const user = await (await browser.newContext()).newPage();
  const signIn = new LoginPage(user);
  await signIn.open();
  await signIn.signIn(login, GIVEN);
  await expect(user.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await waitForHydration(user);
  await user.getByLabel("New password", { exact: true }).fill(OWN);
  await user.getByLabel("Repeat the new password").fill(OWN);
  await user.getByRole("button", { name: "Save password" }).click();
  await expect(user.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();

  await expect(user.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const key = (await user.locator("#authenticator-secret").textContent()) ?? "";
  await user.getByLabel("Code from the app").fill(authenticatorCode(key));
  await user.getByRole("button", { name: "Enable" }).click();
  await expect(user.getByRole("list", { name: "Your recovery codes" }).getByRole("listitem")).toHaveCount(10);
  await user.getByRole("button", { name: "I have saved them — continue" }).click();
  await expect(user.getByRole("heading", { name: /^Welcome, / })).toBeVisible();

  // Signing in again asks for a code, as for anyone with an app.
  const again = await (await browser.newContext()).newPage();
  const next = new LoginPage(again);
  await next.open();
  await next.signIn(login, OWN);
  await expect(again.getByLabel("Code", { exact: true })).toBeVisible();

  // The Users panel's "No two-factor" filter no longer lists them.
  await users.findOnly(login);
  await users.facetToggle("No two-factor").click();
  await expect(users.count()).toHaveText("0 users");

  // The other tests count the demo users and roles: these go again.
  await deleteUsersMatching(page, login);
  await page.goto("/admin/roles");
  await waitForHydration(page);
  await page.getByRole("button", { name: `Delete ${role}` }).click();
  await page.getByRole("dialog", { name: "Delete role" }).getByRole("button", { name: "Delete role" }).click();
  await expect(page.locator(".notice")).toHaveText(`Role “${role}” deleted`);
});
