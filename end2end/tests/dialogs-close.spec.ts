import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN, DEMO_PASSWORD } from "./accounts";
import { signIn } from "./pages/login-page";
import { signInAndSetUpAuthenticatorApp } from "./pages/profile-page";
import { waitForHydration } from "./pages/hydration";

// Every dialog closes every way it offers, twice in a row: the first time
// with its code fetched as it opens (a freshly loaded page), the second with
// that code already there. The page-error watch (fixtures.ts) fails the test
// on any panic, during or just after the close.

type Way = "Escape" | "✕" | "Cancel";

type DialogCase = {
  /** The dialog's accessible name. */
  name: string;
  /** The page it lives on. */
  path: string;
  open(page: Page): Promise<void>;
  ways: Way[];
};

/** A demo customer that no other test changes. */
const CUSTOMER = "quinn.lindqvist120";

async function openRowAction(page: Page, login: string, action: string) {
  await page.getByRole("searchbox", { name: "Search for users" }).fill(login);
  await expect(page.locator("#user-count")).toHaveText("1 user");
  await page.getByRole("button", { name: `Actions for ${login}` }).click();
  await page.getByRole("menu", { name: `Actions for ${login}` }).getByRole("menuitem", { name: action }).click();
}

const ADMIN_DIALOGS: DialogCase[] = [
  {
    name: "New User",
    path: "/admin/users",
    open: (page) => page.getByRole("button", { name: "New User" }).click(),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "Edit User",
    path: "/admin/users",
    open: (page) => openRowAction(page, CUSTOMER, "Edit User"),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "Delete User",
    path: "/admin/users",
    open: (page) => openRowAction(page, CUSTOMER, "Delete User"),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: `Merge ${CUSTOMER} into…`,
    path: "/admin/users",
    open: (page) => openRowAction(page, CUSTOMER, "Merge into…"),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "View from user's perspective",
    path: "/admin/users",
    open: (page) => openRowAction(page, CUSTOMER, "View from user's perspective"),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "Deactivate — bulk action",
    path: "/admin/users",
    open: async (page) => {
      await page.getByRole("searchbox", { name: "Search for users" }).fill(CUSTOMER);
      await expect(page.locator("#user-count")).toHaveText("1 user");
      await page.getByRole("checkbox", { name: `Select ${CUSTOMER}` }).check();
      await page.getByRole("region", { name: "Selection" }).getByRole("button", { name: "Deactivate" }).click();
      // Its Cancel is the preview's.
      await expect(page.locator("#bulk-will-change")).toBeVisible();
    },
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "Keyboard shortcuts",
    path: "/admin/users",
    open: (page) => page.keyboard.press("?"),
    ways: ["Escape", "✕"],
  },
  {
    name: "New role",
    path: "/admin/roles",
    open: (page) => page.getByRole("button", { name: "New role" }).click(),
    ways: ["Escape", "✕", "Cancel"],
  },
];

const PROFILE_DIALOGS: DialogCase[] = [
  {
    name: "Change password",
    path: "/profile",
    open: (page) => page.getByRole("button", { name: "Change password…" }).click(),
    ways: ["Escape", "✕", "Cancel"],
  },
  {
    name: "Set up authenticator app",
    path: "/profile",
    open: (page) => page.getByRole("button", { name: "Set up authenticator app" }).click(),
    ways: ["Escape", "✕"],
  },
];

async function close(page: Page, name: string, way: Way) {
  const dialog = page.getByRole("dialog", { name });
  switch (way) {
    case "Escape":
      await page.keyboard.press("Escape");
      break;
    case "✕":
      await dialog.getByRole("button", { name: "Close" }).click();
      break;
    case "Cancel":
      await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
      break;
  }
  await expect(dialog).toHaveCount(0);
}

async function openAndCloseEveryWay(page: Page, dialogs: DialogCase[]) {
  for (const dialog of dialogs) {
    for (const way of dialog.ways) {
      await test.step(`${dialog.name}: closed with ${way}, cold then loaded`, async () => {
        // A fresh load: the dialog's piece of the bundle is not there yet.
        await page.goto(dialog.path);
        await waitForHydration(page);
        for (let time = 1; time <= 2; time++) {
          await dialog.open(page);
          const shown = page.getByRole("dialog", { name: dialog.name });
          await expect(shown).toBeVisible();
          // Its first field or button has focus once it is live.
          await expect(shown.locator(":focus")).toHaveCount(1);
          await close(page, dialog.name, way);
          // Focus is back on the page's controls, not lost to the page as a whole.
          await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe("BUTTON");
        }
      });
    }
  }
}

test("every dialog of the Users panel and the Roles page closes by Escape, ✕ and Cancel, twice, cold and loaded", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, ADMIN.login, ADMIN.password);
  await expect(page).toHaveURL(/\/admin\/users/);
  await openAndCloseEveryWay(page, ADMIN_DIALOGS);
});

test("every dialog of the profile closes by Escape, ✕ and Cancel, twice, cold and loaded", async ({ page }) => {
  test.setTimeout(120_000);
  // A demo customer no other test signs in as (others count who never did).
  await signIn(page, "yusuf.okafor102", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  await openAndCloseEveryWay(page, PROFILE_DIALOGS);
});

// The dialogs that need something to act on: a user with an authenticator
// app (Manage Two-Factor Authentication; on their profile, Remove and
// Recovery codes) and a custom role (Edit role, Delete role).
test("the dialogs of two-factor methods and of custom roles close every way, twice", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const customer = "vera.okafor99";
  const userPage = await (await browser.newContext()).newPage();
  await signInAndSetUpAuthenticatorApp(userPage, customer, DEMO_PASSWORD);
  await openAndCloseEveryWay(userPage, [
    {
      name: "Remove authenticator app",
      path: "/profile",
      open: (p) => p.getByRole("button", { name: "Remove authenticator app…" }).click(),
      ways: ["Escape", "✕", "Cancel"],
    },
    {
      name: "Recovery codes",
      path: "/profile",
      open: (p) => p.getByRole("button", { name: /^Generate (new )?recovery codes$/ }).click(),
      ways: ["Escape", "✕"],
    },
  ]);

  await signIn(page, ADMIN.login, ADMIN.password);
  await expect(page).toHaveURL(/\/admin\/users/);
  await page.goto("/admin/roles");
  await waitForHydration(page);
  await page.getByRole("button", { name: "New role" }).click();
  const editor = page.getByRole("dialog", { name: "New role" });
  await editor.getByLabel("Name").fill("Dialog check");
  await editor.getByLabel("See every ticket").check();
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".notice")).toHaveText("Role “Dialog check” saved");
  await openAndCloseEveryWay(page, [
    {
      name: "Manage Two-Factor Authentication",
      path: `/admin/users?q=${customer}`,
      open: (p) => openRowAction(p, customer, "Manage Two-Factor Authentication"),
      ways: ["Escape", "✕", "Cancel"],
    },
    {
      name: "Edit role",
      path: "/admin/roles",
      open: (p) => p.getByRole("button", { name: "Edit Dialog check" }).click(),
      ways: ["Escape", "✕", "Cancel"],
    },
    {
      name: "Delete role",
      path: "/admin/roles",
      open: (p) => p.getByRole("button", { name: "Delete Dialog check" }).click(),
      ways: ["Escape", "✕", "Cancel"],
    },
  ]);
});
