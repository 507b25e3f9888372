import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN, DEMO_PASSWORD } from "./accounts";
import { LoginPage, signIn } from "./pages/login-page";
import { signInAndSetUpAuthenticatorApp } from "./pages/profile-page";
import { UsersPage } from "./pages/users-page";
import { waitForHydration } from "./pages/hydration";

// axe-core on every page and every dialog, in light and in dark mode (which
// follows the system's setting): no violation of any impact, colour
// contrast included.

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(found, `axe on ${what}`).toEqual([]);
  // axe lets `aria-describedby` name elements that are not there; a screen
  // reader then has nothing to read. Every id it names must be on the page.
  const dangling = await page.evaluate(() =>
    [...document.querySelectorAll("[aria-describedby]")].flatMap((e) =>
      (e.getAttribute("aria-describedby") ?? "")
        .split(/\s+/)
        .filter((id) => id && !document.getElementById(id))
        .map((id) => `#${e.id || e.tagName.toLowerCase()} names #${id}`),
    ),
  );
  expect(dangling, `aria-describedby on ${what}`).toEqual([]);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`in ${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test("the sign-in page has no accessibility violation", async ({ page }) => {
      await page.goto("/login");
      await waitForHydration(page);
      await expectNoViolations(page, "the sign-in page");
    });

    test("every page an admin sees, and every dialog on it, has no accessibility violation", async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page, ADMIN.login, ADMIN.password);
      const users = new UsersPage(page);
      await users.expectShown();
      for (const path of ["/admin/users", "/admin/users/import", "/admin/roles", "/admin/audit", "/tickets", "/profile", "/"]) {
        await page.goto(path);
        await waitForHydration(page);
        await expectNoViolations(page, path);
      }

      const dialogs: [string, string, (page: Page) => Promise<void>][] = [
        ["/admin/users", "New User", (p) => p.getByRole("button", { name: "New User" }).click()],
        ["/admin/users", "Keyboard shortcuts", (p) => p.keyboard.press("?")],
        ["/admin/users", "Edit User", (p) => p.getByRole("button", { name: "Edit quinn.lindqvist120", exact: true }).click()],
        ["/admin/roles", "New role", (p) => p.getByRole("button", { name: "New role" }).click()],
        ["/profile", "Change password", (p) => p.getByRole("button", { name: "Change password…" }).click()],
        ["/profile", "Set up authenticator app", (p) => p.getByRole("button", { name: "Set up authenticator app" }).click()],
      ];
      for (const [path, name, open] of dialogs) {
        await page.goto(path);
        await waitForHydration(page);
        await open(page);
        const dialog = page.getByRole("dialog", { name });
        await expect(dialog).toBeVisible();
        await expect(dialog.locator(":focus")).toHaveCount(1);
        await expectNoViolations(page, `the ${name} dialog`);
        await page.keyboard.press("Escape");
        await expect(dialog).toHaveCount(0);
      }

      // New User with every error showing: the errors are tied to their fields.
      await page.goto("/admin/users");
      await waitForHydration(page);
      await page.getByRole("button", { name: "New User" }).click();
      const newUser = page.getByRole("dialog", { name: "New User" });
      await newUser.getByLabel("Email", { exact: true }).fill("not an email");
      await newUser.getByRole("button", { name: "Create" }).click();
      await expect(page.locator("#user-login-error")).toHaveText("Login is required.");
      await expect(page.locator("#user-login")).toHaveAttribute("aria-describedby", "user-login-error");
      await expectNoViolations(page, "the New User dialog with its errors");
      await page.keyboard.press("Escape");
      await expect(newUser).toHaveCount(0);

      // The row's dialogs: Delete User and View from user's perspective.
      await page.goto("/admin/users?q=quinn.lindqvist120");
      await waitForHydration(page);
      for (const name of ["Delete User", "View from user's perspective"]) {
        const menu = await users.openActions("quinn.lindqvist120");
        await menu.getByRole("menuitem", { name }).click();
        const dialog = users.dialog(name as "Delete User");
        await expect(dialog).toBeVisible();
        await expectNoViolations(page, `the ${name} dialog`);
        await page.keyboard.press("Escape");
        await expect(dialog).toHaveCount(0);
      }

      // A selection: the bar, and a bulk action's preview.
      await page.getByRole("checkbox", { name: "Select quinn.lindqvist120" }).check();
      await expect(page.getByRole("region", { name: "Selection" }).getByRole("status")).toHaveText("1 user selected");
      await expectNoViolations(page, "the Users panel with a selection");
      await page.getByRole("button", { name: "Deactivate" }).click();
      const bulk = page.getByRole("dialog", { name: "Deactivate — bulk action" });
      await expect(bulk.locator("#bulk-will-change")).toBeVisible();
      await expectNoViolations(page, "a bulk action's preview");
      await page.keyboard.press("Escape");
      await expect(bulk).toHaveCount(0);
    });

    test("a customer's pages, the missing page, and the dialogs that need a second factor or a custom role have no accessibility violation", async ({
      page,
      browser,
      pageErrors,
    }) => {
      test.setTimeout(120_000);
      // The missing page answers 404, as it should.
      pageErrors.allowStatuses(404);

      // A customer with tickets: My tickets, one of them, New ticket.
      await signIn(page, "ben.schmidt1", DEMO_PASSWORD);
      await expect(page.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
      await page.goto("/tickets");
      await waitForHydration(page);
      await expectNoViolations(page, "My tickets");
      await page.getByRole("table", { name: "Tickets" }).getByRole("link").first().click();
      await expect(page).toHaveURL(/\/tickets\/\d+$/);
      await waitForHydration(page);
      await expectNoViolations(page, "a ticket");
      await page.goto("/tickets/new");
      await waitForHydration(page);
      await expectNoViolations(page, "New ticket");
      const missing = await page.goto("/no/such/page");
      expect(missing?.status()).toBe(404);
      await expectNoViolations(page, "the missing page");

      // A user who sets up an authenticator app: Remove and Recovery codes.
      const user = colorScheme === "light" ? "anna.lindqvist104" : "ben.lindqvist105";
      const userPage = await (await browser.newContext({ colorScheme })).newPage();
      await signInAndSetUpAuthenticatorApp(userPage, user, DEMO_PASSWORD);

      // Signing in again asks for a code: the code step, and its error.
      pageErrors.allowStatuses(401);
      const codeStep = await (await browser.newContext({ colorScheme })).newPage();
      const login = new LoginPage(codeStep);
      await login.open();
      await login.signIn(user, DEMO_PASSWORD);
      await expect(codeStep.getByLabel("Code", { exact: true })).toBeVisible();
      await expectNoViolations(codeStep, "the sign-in code step");
      await login.enterCode("123 456");
      await expect(login.error()).toContainText("That code is not valid.");
      await expectNoViolations(codeStep, "the sign-in code step with its error");
      await codeStep.context().close();

      for (const [button, name] of [
        ["Remove authenticator app…", "Remove authenticator app"],
        ["Generate recovery codes", "Recovery codes"],
      ]) {
        await userPage.getByRole("button", { name: button }).click();
        const dialog = userPage.getByRole("dialog", { name });
        await expect(dialog).toBeVisible();
        await expect(dialog.locator(":focus")).toHaveCount(1);
        await expectNoViolations(userPage, `the ${name} dialog`);
        await userPage.keyboard.press("Escape");
        await expect(dialog).toHaveCount(0);
      }

      // The admin: Manage Two-Factor Authentication for that user, and a
      // custom role's Edit role and Delete role (which then deletes it).
      const admin = await (await browser.newContext({ colorScheme })).newPage();
      await signIn(admin, ADMIN.login, ADMIN.password);
      const users = new UsersPage(admin);
      await users.expectShown();
      await users.findOnly(user);
      await (await users.openActions(user)).getByRole("menuitem", { name: "Manage Two-Factor Authentication" }).click();
      const manage = users.dialog("Manage Two-Factor Authentication");
      await expect(manage).toBeVisible();
      await expectNoViolations(admin, "the Manage Two-Factor Authentication dialog");
      await admin.keyboard.press("Escape");
      await expect(manage).toHaveCount(0);

      const role = `Axe check ${colorScheme}`;
      await admin.goto("/admin/roles");
      await waitForHydration(admin);
      await admin.getByRole("button", { name: "New role" }).click();
      const editor = admin.getByRole("dialog", { name: "New role" });
      await editor.getByLabel("Name").fill(role);
      await editor.getByLabel("See every ticket").check();
      await editor.getByRole("button", { name: "Save" }).click();
      await expect(admin.locator(".notice")).toHaveText(`Role “${role}” saved`);
      await admin.getByRole("button", { name: `Edit ${role}` }).click();
      const edit = admin.getByRole("dialog", { name: "Edit role" });
      await expect(edit).toBeVisible();
      await expectNoViolations(admin, "the Edit role dialog");
      await admin.keyboard.press("Escape");
      await expect(edit).toHaveCount(0);
      await admin.getByRole("button", { name: `Delete ${role}` }).click();
      const remove = admin.getByRole("dialog", { name: "Delete role" });
      await expect(remove).toBeVisible();
      await expectNoViolations(admin, "the Delete role dialog");
      await remove.getByRole("button", { name: "Delete role" }).click();
      await expect(admin.locator(".notice")).toHaveText(`Role “${role}” deleted`);
    });
  });
}
