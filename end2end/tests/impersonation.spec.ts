import { expect, test } from "./fixtures";
import { signIn } from "./pages/login-page";
import { impersonationBanner as banner } from "./pages/impersonation-banner";
import { UsersPage } from "./pages/users-page";
import { ADMIN, DEMO_PASSWORD } from "./accounts";

const USER = { login: "hiro.schmidt7", name: "Hiro Schmidt" };

test("an admin views Roster from a user's perspective, across sign-out, until Back to my view or the user returns", async ({
  browser,
  pageErrors,
}) => {
  // The one error the browser reports on its own is the 404 of a missing page.
  pageErrors.allowStatuses(404);
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  await signIn(userPage, USER.login, DEMO_PASSWORD);
  await expect(userPage.getByRole("heading", { name: `Welcome, ${USER.name}` })).toBeVisible();

  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, ADMIN.login, ADMIN.password);
  const users = new UsersPage(adminPage);
  await users.expectShown();

  // Entering asks why; the reason is required.
  const enter = async () => {
    await users.findOnly(USER.login);
    const menu = await users.openActions(USER.login);
    await menu.getByRole("menuitem", { name: "View from user's perspective" }).click();
    const dialog = users.dialog("View from user's perspective");
    const reason = dialog.getByLabel("Reason (for the audit log)");
    await dialog.getByRole("button", { name: "View as this user" }).click();
    await expect(reason).toHaveAttribute("aria-invalid", "true");
    await expect(reason).toHaveAccessibleDescription("Say why you are viewing Roster as this user.");
    await reason.fill("Checking what the Customer role shows on tickets");
    await dialog.getByRole("button", { name: "View as this user" }).click();
    await expect(adminPage.getByRole("heading", { name: `Welcome, ${USER.name}` })).toBeVisible();
    await expect(banner(adminPage)).toContainText(`You are viewing Roster as ${USER.name} (${USER.login})`);
  };
  await enter();

  // Entering signed the user out everywhere.
  await userPage.reload();
  await expect(userPage).toHaveURL(/\/login$/);

  // The banner stays after a reload, on a page that does not exist, and
  // after signing out and in again.
  await adminPage.reload();
  await expect(banner(adminPage)).toBeVisible();
  const missing = await adminPage.goto("/no/such/page");
  expect(missing?.status()).toBe(404);
  await expect(adminPage.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(banner(adminPage).getByRole("button", { name: "Back to my view ✕" })).toBeVisible();
  await adminPage.goto("/");
  await expect(adminPage.getByRole("heading", { name: `Welcome, ${USER.name}` })).toBeVisible();
  await users.signOut();
  await expect(adminPage).toHaveURL(/\/login$/);
  await signIn(adminPage, ADMIN.login, ADMIN.password);
  await expect(adminPage.getByRole("heading", { name: `Welcome, ${USER.name}` })).toBeVisible();
  await expect(banner(adminPage)).toBeVisible();

  await banner(adminPage).getByRole("button", { name: "Back to my view ✕" }).click();
  await users.expectShown();
  await expect(banner(adminPage)).toHaveCount(0);

  // When the user signs in again, the admin's browser is signed out and
  // their next sign-in lands in their own view.
  await enter();
  await signIn(userPage, USER.login, DEMO_PASSWORD);
  await expect(userPage.getByRole("heading", { name: `Welcome, ${USER.name}` })).toBeVisible();
  await adminPage.reload();
  await expect(adminPage).toHaveURL(/\/login$/);
  await signIn(adminPage, ADMIN.login, ADMIN.password);
  await users.expectShown();

  await userContext.close();
  await adminContext.close();
});
