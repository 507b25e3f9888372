import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { waitForHydration } from "./pages/hydration";
import { LoginPage } from "./pages/login-page";
import { signInToUsersPanel, UsersPage } from "./pages/users-page";

// These tests create one user and delete one demo customer, so the number of
// users stays as the search tests (which run before this file) expect.
// Demo facts: xenia.okafor101 is a customer with 3 tickets, answered by the
// agent wim.okafor100.
const NEW_LOGIN = "nina.e2e";

const signedInAdmin = signInToUsersPanel;

async function adminInNewContext(browser: Browser) {
  const page = await (await browser.newContext()).newPage();
  return { page, users: await signedInAdmin(page) };
}

test("the panel starts without the dialogs' code and fetches it when the admin goes for a dialog", async ({
  page,
  pageErrors,
}) => {
  // The dialogs' code is kept from arriving once, on purpose.
  pageErrors.allow(/ERR_INTERNET_DISCONNECTED|Failed to fetch/);
  const wasm: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith(".wasm")) wasm.push(new URL(r.url()).pathname);
  });
  const users = await signedInAdmin(page);
  // The pointer out of the way: pointing at the list or a button that opens a
  // dialog fetches the dialogs' code (bundle-delivery.spec.ts).
  await page.mouse.move(0, 0);
  await page.reload();
  await expect(users.rows()).toHaveCount(51);
  await waitForHydration(page);
  expect(wasm.filter((p) => p.includes("dialog"))).toEqual([]);
  expect(wasm).toContain("/pkg/roster.wasm");
  const dialogCode = /users_panel_dialog.*\.wasm$/;

  // The connection drops as the dialog's code is fetched (when the pointer
  // reaches the button, and again on the click): the panel says so and stays live.
  await page.route(dialogCode, (route) => route.abort("internetdisconnected"));
  await users.newUserButton().click();
  await expect(users.notice()).toHaveText(
    "The dialog could not be loaded. Check the connection and try again, or reload the page.",
  );
  await expect(users.dialog("New User")).toHaveCount(0);
  await expect(users.newUserButton()).toBeFocused();
  await page.unroute(dialogCode);

  // Opening it again fetches the code again.
  await users.newUserButton().click();
  await expect(users.dialog("New User")).toBeVisible();
  await expect(users.field("Login")).toBeFocused();
  expect(wasm.filter((p) => dialogCode.test(p)).length).toBeGreaterThanOrEqual(2);
  await users.dialog("New User").getByRole("button", { name: "Cancel" }).click();
  await expect(users.dialog("New User")).toHaveCount(0);
  await expect(users.newUserButton()).toBeFocused();
});

test("an admin creates a user with every field after fixing what the form points out", async ({ page, pageErrors }) => {
  // The server's answer to a login already taken.
  pageErrors.allowStatuses(400);
  const users = await signedInAdmin(page);
  await users.newUserButton().click();
  const dialog = users.dialog("New User");
  await expect(dialog).toBeVisible();
  await expect(users.field("Login")).toBeFocused();

  // The browser checks as the admin goes…
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(users.fieldError("login")).toHaveText("Login is required.");
  await expect(users.fieldError("first-name")).toHaveText("Enter a first or last name.");
  await expect(users.field("Login")).toHaveAttribute("aria-invalid", "true");
  await expect(users.field("Login")).toBeFocused();
  await users.field("Email").fill("not an email");
  await expect(users.fieldError("email")).toHaveText("Enter an email address like name@example.com.");

  // …and the server has the last word: this login is taken.
  await users.field("Login").fill("ADMIN");
  await users.field("First name").fill("Nina");
  await users.field("Email").fill("nina.e2e@example.com");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(users.fieldError("login")).toHaveText("Already used by another user.");

  await users.field("Login").fill(NEW_LOGIN);
  await expect(users.fieldError("login")).toHaveCount(0);
  await users.field("Last name").fill("Berg");
  await users.field("Web").fill("https://nina.example.com");
  await users.field("Phone").fill("+47 55 01 02 03");
  await users.field("Mobile").fill("+47 900 00 000");
  await users.field("Fax").fill("+47 55 01 02 04");
  await users.field("Organization").fill("Fjord Analytics");
  await expect(dialog.getByText("A new organization “Fjord Analytics” will be created.")).toBeVisible();
  await users.field("Secondary organizations").fill("Nordwind Logistics\nBluebell Bakery");
  await users.field("Department").fill("Support");
  await users.field("Street").fill("Bryggen 1");
  await users.field("Zip").fill("5003");
  await users.field("City").fill("Bergen");
  await users.field("Country").fill("Norway");
  await users.field("Address").fill("Bryggen 1\n5003 Bergen");
  await users.field("Password").fill("nina's e2e password");
  await users.field("Note").fill("Created by the browser tests.");
  await users.field("VIP").check();
  await dialog.getByRole("group", { name: "Roles" }).getByLabel("Admin").check();
  await dialog.getByRole("group", { name: "Roles" }).getByLabel("Admin").uncheck();
  await dialog.getByRole("group", { name: "Roles" }).getByLabel("Customer").uncheck();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(users.fieldError("roles")).toHaveText("Choose at least one role.");
  await dialog.getByRole("group", { name: "Roles" }).getByLabel("Customer").check();
  await dialog.getByRole("button", { name: "Create" }).click();

  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText(`User ${NEW_LOGIN} created.`);
  await expect(users.newUserButton()).toBeFocused();
  await users.findOnly(NEW_LOGIN);
  const row = users.row(NEW_LOGIN);
  for (const text of ["Nina Berg", "nina.e2e@example.com", "Fjord Analytics", "Customer"]) {
    await expect(row).toContainText(text);
  }

  // Everything comes back in the Edit User dialog.
  await row.click();
  const edit = users.dialog("Edit User");
  await expect(users.field("Login")).toHaveValue(NEW_LOGIN);
  await expect(users.field("Secondary organizations")).toHaveValue("Bluebell Bakery\nNordwind Logistics");
  await expect(users.field("Address")).toHaveValue("Bryggen 1\n5003 Bergen");
  await expect(users.field("Fax")).toHaveValue("+47 55 01 02 04");
  await expect(users.field("VIP")).toBeChecked();
  await expect(users.field("New password")).toHaveValue("");
  await page.keyboard.press("Escape");
  await expect(edit).toHaveCount(0);
  await expect(row.getByRole("button", { name: `Edit ${NEW_LOGIN}` })).toBeFocused();
});

test("a save from a second browser that opened the user earlier is refused as a conflict", async ({
  browser,
  pageErrors,
}) => {
  pageErrors.allowStatuses(409);
  const first = await adminInNewContext(browser);
  const second = await adminInNewContext(browser);
  for (const { users } of [first, second]) {
    await users.findOnly(NEW_LOGIN);
    await users.row(NEW_LOGIN).click();
    await expect(users.field("City")).toHaveValue("Bergen");
  }

  await first.users.field("City").fill("Oslo");
  await first.users.dialog("Edit User").getByRole("button", { name: "Save" }).click();
  await expect(first.users.notice()).toHaveText(`User ${NEW_LOGIN} saved.`);

  await second.users.field("City").fill("Tromsø");
  const dialog = second.users.dialog("Edit User");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Another admin saved this user after you opened it.");
  await dialog.getByRole("button", { name: "Reload" }).click();
  await expect(second.users.field("City")).toHaveValue("Oslo");

  // The first save stands: a fresh look agrees.
  await second.page.reload();
  await second.users.expectShown();
  await second.users.row(NEW_LOGIN).click();
  await expect(second.users.field("City")).toHaveValue("Oslo");
});

test("deleting a customer after typing DELETE takes their tickets, and agents' replies stay", async ({ page }) => {
  const users = await signedInAdmin(page);

  // Nobody is offered to delete themselves.
  await users.findOnly("admin");
  const ownMenu = await users.openActions("admin");
  await expect(ownMenu.getByRole("menuitem")).toHaveText(["Edit User"]);
  await page.keyboard.press("Escape");
  await expect(ownMenu).toBeHidden();
  await expect(users.actionsButton("admin")).toBeFocused();

  // The agent who answered the customer: their replies would be kept.
  await users.findOnly("wim.okafor100");
  await (await users.openActions("wim.okafor100")).getByRole("menuitem", { name: "Delete User" }).click();
  const agentDialog = users.dialog("Delete User");
  await expect(agentDialog).toContainText("Kept: 3 replies and 3 time entries");
  await agentDialog.getByRole("button", { name: "Cancel" }).click();
  await expect(agentDialog).toHaveCount(0);

  // The customer, by keyboard: ⋮ Actions, arrow down to Delete User, Enter.
  await users.findOnly("xenia.okafor101");
  const id = await users.row("xenia.okafor101").getAttribute("data-user-id");
  await users.actionsButton("xenia.okafor101").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menu", { name: "Actions for xenia.okafor101" }).getByRole("menuitem")).toHaveText([
    "Edit User",
    "👁️ View from user's perspective",
    "Merge into…",
    "Delete User",
  ]);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Delete User" })).toBeFocused();
  await page.keyboard.press("Enter");

  const dialog = users.dialog("Delete User");
  await expect(dialog).toContainText("3 tickets will be permanently deleted");
  await expect(dialog.getByRole("list", { name: "Tickets to be deleted" }).getByRole("listitem")).toHaveCount(3);
  await expect(dialog.getByRole("listitem").first()).toHaveText(/^#\d+ \S/);
  const confirm = dialog.getByRole("button", { name: "Delete User" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type DELETE to confirm").fill("delete");
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type DELETE to confirm").fill("DELETE");
  await confirm.click();

  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText("User xenia.okafor101 deleted, with 3 tickets.");
  await expect(page.getByText("No users match this search.")).toBeVisible();

  // Gone from the database too: the server no longer knows the id.
  const response = await page.request.post("/api/preview_user_deletion", { data: { id: Number(id) } });
  expect(response.status()).toBe(404);
  await users.search("wim.okafor100");
  await (await users.openActions("wim.okafor100")).getByRole("menuitem", { name: "Delete User" }).click();
  await expect(users.dialog("Delete User")).not.toContainText("Kept:");
  await expect(users.dialog("Delete User")).toContainText("This permanently deletes wim.okafor100");
});

test("once admin mode has lapsed, deleting a user asks for the admin's password in place, then deletes", async ({
  page,
  pageErrors,
}) => {
  test.setTimeout(120_000);
  // 428: "confirm it's you first"; 400: the wrong password typed on purpose.
  pageErrors.allowStatuses(428, 400);
  const users = await signedInAdmin(page);
  const signedInAt = Date.now();
  await users.findOnly("tara.okafor97");
  // Admin mode lasts a minute in these tests (fifteen in a real deployment).
  await page.waitForTimeout(Math.max(0, signedInAt + 62_000 - Date.now()));

  await (await users.openActions("tara.okafor97")).getByRole("menuitem", { name: "Delete User" }).click();
  const dialog = users.dialog("Delete User");
  await dialog.getByLabel("Type DELETE to confirm").fill("DELETE");
  const deleteButton = dialog.getByRole("button", { name: "Delete User" });
  await deleteButton.click();
  await expect(dialog.getByRole("alert")).toHaveText("Confirm it's you: enter your password to go on.");
  const password = dialog.getByLabel("Your password");
  await expect(password).toBeFocused();

  await password.fill("not my password");
  await deleteButton.click();
  await expect(dialog.getByText("That is not your current password.")).toBeVisible();
  await expect(dialog.getByRole("alert")).toHaveText("Confirm it's you: enter your password to go on.");

  await password.fill(ADMIN.password);
  await deleteButton.click();
  await expect(dialog).toHaveCount(0);
  await expect(users.notice()).toHaveText(/^User tara\.okafor97 deleted/);
});
