import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN } from "./accounts";
import { deleteUsersMatching as deleteMatches, signInToUsersPanel } from "./pages/users-page";

// Each test makes its own users (a family name no demo user has), so that
// what it changes is nobody else's test data.
async function createUsers(page: Page, family: string, count: number) {
  for (let n = 1; n <= count; n++) {
    const login = `${family.toLowerCase()}.${String(n).padStart(2, "0")}`;
    const details = { login, first_name: `Member ${n}`, last_name: family, roles: [3], active: true };
    const response = await page.request.post("/api/create_user", { data: { details } });
    expect(response.status(), await response.text()).toBe(200);
  }
}

const signedInPanel = signInToUsersPanel;

function bulkBar(page: Page) {
  return page.getByRole("region", { name: "Selection" });
}

test("select two users, Deactivate, check the preview, run it: both show inactive", async ({ page }) => {
  const users = await signedInPanel(page);
  await createUsers(page, "Quillfeather", 3);
  await users.search("quillfeather");
  await expect(users.count()).toHaveText("3 users");

  await users.row("quillfeather.01").getByRole("checkbox", { name: "Select quillfeather.01" }).check();
  await users.row("quillfeather.03").getByRole("checkbox", { name: "Select quillfeather.03" }).check();
  // Ticking a box selects; it does not open the user.
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const bar = bulkBar(page);
  await expect(bar.getByRole("status")).toHaveText("2 users selected");

  await bar.getByRole("button", { name: "Deactivate" }).click();
  const dialog = page.getByRole("dialog", { name: "Deactivate — bulk action" });
  await expect(dialog.locator("#bulk-will-change")).toHaveText("2 users will change");
  await expect(dialog).toContainText("0 already so, 0 refused, of 2 selected.");
  await dialog.getByRole("button", { name: "Deactivate: 2 users" }).click();
  await expect(dialog.locator("#bulk-result")).toHaveText("Done: 2 users changed, 0 already so, 0 refused.");
  await dialog.locator(".modal-footer").getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);

  // The list shows them as they are now; the selection is spent.
  await expect(users.row("quillfeather.01")).toContainText("Inactive");
  await expect(users.row("quillfeather.03")).toContainText("Inactive");
  await expect(users.row("quillfeather.02")).not.toContainText("Inactive");
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(0);
  await expect(bar).toBeHidden();

  // The users this test made go again, so that the other tests find the demo data as seeded.
  await deleteMatches(page, "quillfeather");
});

test("select all matches of a search, Add role, watch it run to the end", async ({ page }) => {
  test.setTimeout(90_000);
  const users = await signedInPanel(page);
  // More than one page (50).
  await createUsers(page, "Brackenridge", 55);
  await users.search("brackenridge");
  await expect(users.count()).toHaveText("55 users");

  await page.getByRole("checkbox", { name: "Select every user on this page" }).check();
  const bar = bulkBar(page);
  await expect(bar.getByRole("status")).toHaveText("50 users selected");
  await bar.getByRole("button", { name: "Select all 55 matches of this search" }).click();
  await expect(bar.getByRole("status")).toHaveText("All 55 matches of this search selected");

  // The selection stays across pages of the same search.
  await users.goToNextPage();
  await expect(users.rows()).toHaveCount(6);
  await expect(users.table().getByRole("checkbox", { checked: true })).toHaveCount(6);

  await bar.getByRole("button", { name: "Add role…" }).click();
  const dialog = page.getByRole("dialog", { name: "Add role — bulk action" });
  await dialog.getByLabel("Role").selectOption({ label: "Agent" });
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.locator("#bulk-will-change")).toHaveText("55 users will change");
  await dialog.getByRole("button", { name: "Add the role Agent: 55 users" }).click();
  await expect(dialog.locator("#bulk-result")).toHaveText("Done: 55 users changed, 0 already so, 0 refused.");
  await dialog.locator(".modal-footer").getByRole("button", { name: "Close" }).click();

  // Still on the second page, which lists the first five made.
  await expect(users.row("brackenridge.01")).toContainText("Agent");
  await users.roleToggle("Agent").click();
  await expect(users.count()).toHaveText("55 users");

  // Delete… them all again: it says how many tickets go with them and waits for DELETE.
  await page.getByRole("checkbox", { name: "Select every user on this page" }).check();
  await bar.getByRole("button", { name: "Select all 55 matches of this search" }).click();
  await bar.getByRole("button", { name: "Delete…" }).click();
  const deletion = page.getByRole("dialog", { name: "Delete — bulk action" });
  await expect(deletion.locator("#bulk-will-change")).toHaveText("55 users will change");
  await expect(deletion).toContainText("Their 0 tickets will be permanently deleted with them.");
  const confirm = deletion.getByRole("button", { name: "Delete 55 users" });
  await expect(confirm).toBeDisabled();
  await deletion.getByLabel("Type DELETE to confirm").fill("DELETE");
  await confirm.click();
  await expect(deletion.locator("#bulk-result")).toHaveText("Done: 55 users changed, 0 already so, 0 refused.");
  await deletion.locator(".modal-footer").getByRole("button", { name: "Close" }).click();
  await expect(page.getByText("No users match this search.")).toBeVisible();
});

test("a new search clears the selection and says so; the admin's own row is refused in the preview", async ({ page }) => {
  const users = await signedInPanel(page);
  await users.search("admin");
  await users.row(ADMIN.login).getByRole("checkbox").check();
  const bar = bulkBar(page);
  await expect(bar.getByRole("status")).toHaveText("1 user selected");
  await bar.getByRole("button", { name: "Deactivate" }).click();
  const dialog = page.getByRole("dialog", { name: "Deactivate — bulk action" });
  await expect(dialog.getByRole("table", { name: "Will be refused" })).toContainText("You cannot deactivate your own account.");
  await expect(dialog.getByRole("button", { name: "Deactivate: 0 users" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await users.search("lindqvist");
  await expect(bar.getByRole("status")).toHaveText("Selection cleared: the search changed.");
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(0);
});
