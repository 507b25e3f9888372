import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { signIn } from "./pages/login-page";
import { UsersPage } from "./pages/users-page";

test("the Users panel works from the keyboard: / searches, n opens New User, arrows move between users, Enter edits, ? lists the keys", async ({
  page,
}) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  const users = new UsersPage(page);
  await users.expectShown();

  // `/` jumps to the search bar; typing there types, even an `n` or a `/`.
  await page.locator("body").press("/");
  await expect(users.searchBox()).toBeFocused();
  await page.keyboard.type("lindqvist n/");
  await expect(users.searchBox()).toHaveValue("lindqvist n/");
  await expect(users.dialog("New User")).toHaveCount(0);
  await users.searchBox().fill("");

  // `n` opens New User when no field has the focus; Escape closes it.
  await users.searchBox().blur();
  await page.keyboard.press("n");
  await expect(users.dialog("New User")).toBeVisible();
  await expect(users.field("Login")).toBeFocused();
  // Inside the dialog, the keys type.
  await page.keyboard.type("n/?");
  await expect(users.field("Login")).toHaveValue("n/?");
  await page.keyboard.press("Escape");
  await expect(users.dialog("New User")).toHaveCount(0);
  await expect(users.newUserButton()).toBeFocused();

  // Arrow keys move between the users listed; Enter opens Edit User.
  await users.search("lindqvist");
  await expect(users.count()).toHaveText("17 users");
  const edits = page.locator(".user-table .row-edit");
  await edits.first().focus();
  await page.keyboard.press("ArrowDown");
  await expect(edits.nth(1)).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(edits.nth(2)).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(edits.nth(1)).toBeFocused();
  const login = (await edits.nth(1).textContent())!.trim();
  await page.keyboard.press("Enter");
  const dialog = users.dialog("Edit User");
  await expect(dialog).toBeVisible();
  await expect(users.field("Login")).toHaveValue(login);
  await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(dialog).toHaveCount(0);

  // `?` lists the shortcuts.
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help.locator("dt")).toHaveText(["/", "n", "↓ ↑", "Enter", "?"]);
  // While it is open, `n` does nothing.
  await page.keyboard.press("n");
  await expect(users.dialog("New User")).toHaveCount(0);
  await help.getByRole("button", { name: "Done" }).click();
  await expect(help).toHaveCount(0);

  // Shortcuts leave the browser's own alone.
  await page.keyboard.press("Control+n").catch(() => undefined);
  await expect(users.dialog("New User")).toHaveCount(0);
});
